/* workloads/chase: one cycle over every element, bijections, checks. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/chase.h"

static void assert_single_cycle(struct chase_config c)
{
	uint64_t n = chase_elements(&c);
	uint8_t *mem = aligned_alloc(4096, c.bytes);
	cr_assert_not_null(mem);
	memset(mem, 0, c.bytes);
	c.base = (uint64_t)(uintptr_t)mem;
	cr_assert_eq(chase_validate(&c), CHASE_OK);
	chase_build(&c);
	uint8_t *seen = calloc(n, 1);
	uint64_t p = chase_start(&c);
	for (uint64_t k = 0; k < n; k++) {
		uint64_t off = p - c.base;
		uint64_t i = off / c.stride;
		cr_assert_lt(i, n, "pointer outside the working set");
		cr_assert_eq(p, chase_slot(&c, i), "pointer is not an element slot");
		cr_assert_eq(p % 64, 0, "slot not line aligned");
		cr_assert_not(seen[i], "element %llu visited twice after %llu steps",
			      (unsigned long long)i, (unsigned long long)k);
		seen[i] = 1;
		p = *(uint64_t *)p;
	}
	cr_assert_eq(p, chase_start(&c), "the chase does not close after n steps");
	for (uint64_t i = 0; i < n; i++)
		cr_assert(seen[i]);
	/* The timed chase ends where the host predicts. */
	uint64_t cycles;
	cr_assert_eq(chase_timed(chase_start(&c), 3 * n + 5, &cycles), chase_expected(&c, 3 * n + 5));
	free(seen);
	free(mem);
}

Test(chase, random_permutation_is_one_cycle_over_every_element)
{
	assert_single_cycle((struct chase_config){ .bytes = 4 << 20, .stride = 4096, .seed = 1 });
	assert_single_cycle((struct chase_config){ .bytes = 1 << 20, .stride = 64, .seed = 99 });
	assert_single_cycle((struct chase_config){ .bytes = 3 * 4096, .stride = 4096, .seed = 5 });
	assert_single_cycle((struct chase_config){ .bytes = 4096, .stride = 4096, .seed = 5 });
}

Test(chase, sequential_and_grouped_are_one_cycle)
{
	assert_single_cycle((struct chase_config){ .bytes = 1 << 20, .stride = 4096, .pattern = CHASE_SEQ });
	assert_single_cycle((struct chase_config){ .bytes = 8 << 20, .stride = 4096, .group = 2 << 20, .seed = 3 });
}

Test(chase, sequential_visits_in_address_order)
{
	struct chase_config c = { .bytes = 1 << 20, .stride = 4096, .pattern = CHASE_SEQ };
	for (uint64_t k = 0; k < chase_elements(&c); k++)
		cr_assert_eq(chase_order(&c, k), k);
}

Test(chase, grouped_order_stays_inside_each_group)
{
	struct chase_config c = { .bytes = 8 << 20, .stride = 4096, .group = 1 << 20, .seed = 11 };
	uint64_t per = c.group / c.stride;
	for (uint64_t k = 0; k < chase_elements(&c); k += per) {
		uint64_t g = chase_order(&c, k) / per;
		for (uint64_t j = 1; j < per; j++)
			cr_assert_eq(chase_order(&c, k + j) / per, g);
	}
}

Test(chase, permute_is_a_bijection_for_odd_sizes)
{
	const uint64_t sizes[] = { 1, 2, 3, 7, 1000, 4097 };
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		uint64_t m = sizes[s];
		uint8_t *hit = calloc(m, 1);
		for (uint64_t x = 0; x < m; x++) {
			uint64_t y = chase_permute(42, m, x);
			cr_assert_lt(y, m);
			cr_assert_not(hit[y]);
			hit[y] = 1;
		}
		free(hit);
	}
}

Test(chase, random_order_differs_from_sequential_and_by_seed)
{
	struct chase_config a = { .bytes = 4 << 20, .stride = 4096, .seed = 1 };
	struct chase_config b = a;
	b.seed = 2;
	int same_seq = 0, same_seed = 0;
	for (uint64_t k = 0; k < chase_elements(&a); k++) {
		same_seq += chase_order(&a, k) == k;
		same_seed += chase_order(&a, k) == chase_order(&b, k);
	}
	cr_assert_lt(same_seq, 16);
	cr_assert_lt(same_seed, 16);
}

Test(chase, line_offsets_are_mixed_within_the_page)
{
	struct chase_config c = { .base = 0, .bytes = 4 << 20, .stride = 4096 };
	int lines[64] = { 0 };
	for (uint64_t i = 0; i < chase_elements(&c); i++)
		lines[(chase_slot(&c, i) % 4096) / 64]++;
	int used = 0;
	for (int l = 0; l < 64; l++)
		used += lines[l] > 0;
	cr_assert_gt(used, 48, "only %d of 64 line offsets used", used);
}

Test(chase, validate_rejects_bad_configurations)
{
	struct chase_config c = { .bytes = 4096, .stride = 100 };
	cr_assert_eq(chase_validate(&c), CHASE_BAD_STRIDE);
	c.stride = 8192;
	cr_assert_eq(chase_validate(&c), CHASE_TOO_SMALL);
	c = (struct chase_config){ .bytes = 3 * 4096, .stride = 4096, .group = 8192 };
	cr_assert_eq(chase_validate(&c), CHASE_BAD_GROUP);
	c = (struct chase_config){ .bytes = 4096, .stride = 4096, .pattern = 9 };
	cr_assert_eq(chase_validate(&c), CHASE_BAD_PATTERN);
	cr_assert(strstr(chase_check_str(CHASE_BAD_GROUP), "divides"));
}
