/* The evaluator, kind by kind, with the seed's own numbers. */
#include "eval.h"
#include "error.h"
#include "test.h"

static struct pt_actual final(int year, double v)
{
    struct pt_actual a = {.year = year, .value = v};
    return a;
}

static struct pt_actual prov(int year, const char *as_of, double v)
{
    struct pt_actual a = {.year = year, .provisional = 1, .value = v};
    snprintf(a.as_of, sizeof a.as_of, "%s", as_of);
    return a;
}

static double round1(double x)
{
    return round(x * 10) / 10;
}

/* Row 3: 常住人口城镇化率 66 → 70 [4]. */
static const struct pt_path urbanization = {
    .kind = PT_KIND_LEVEL, .direction = 1, .base_year = 2020, .has_base = 1, .base = 66,
    .target_year = 2025, .target = 70};

TEST_IMPL(eval_level_urbanization)
{
    double e;
    ASSERT(pt_eval_expected(&urbanization, 2023, &e) == 0);
    ASSERT_NEAR(e, 68.4, 1e-12);
    ASSERT(pt_eval_expected(&urbanization, 2020, &e) == 0 && e == 66);
    ASSERT(pt_eval_expected(&urbanization, 2021, &e) == 0);
    ASSERT_NEAR(e, 66.8, 1e-12);
    ASSERT(pt_eval_expected(&urbanization, 2025, &e) == 0 && e == 70);

    struct pt_actual a[] = {final(2023, 67.9)};
    struct pt_eval ev;
    pt_eval_run(&urbanization, a, 1, 2023, &ev);
    ASSERT(ev.has_expected && ev.has_actual && ev.has_gap);
    ASSERT_NEAR(ev.expected, 68.4, 1e-12);
    ASSERT_NEAR(ev.gap, -0.5, 1e-9);
    ASSERT_EQ_INT(ev.on_path, 0);
    ASSERT(!ev.has_projection);
    ASSERT_EQ_INT(ev.verdict, PT_AT_RISK);
    /* still required: (70 − 67.9) / 2 years */
    ASSERT(ev.has_required);
    ASSERT_NEAR(ev.required, 1.05, 1e-9);

    /* Exactly on the path despite binary arithmetic: 66 + 4·3/5. */
    struct pt_actual b[] = {final(2023, 68.4)};
    pt_eval_run(&urbanization, b, 1, 2023, &ev);
    ASSERT_EQ_INT(ev.on_path, 1);
    ASSERT_EQ_INT(ev.verdict, PT_ON_TRACK);

    /* An alert margin widens the path. */
    struct pt_path lax = urbanization;
    lax.margin = 0.5;
    pt_eval_run(&lax, a, 1, 2023, &ev);
    ASSERT_EQ_INT(ev.on_path, 1);
    return 0;
}

TEST_IMPL(eval_level_projection)
{
    struct pt_eval ev;
    /* 66.9, 67.7: on the path (67.6 in 2022), trend 0.8 a year → 70.1 in 2025 */
    struct pt_actual a[] = {final(2021, 66.9), final(2022, 67.7)};
    pt_eval_run(&urbanization, a, 2, 2022, &ev);
    ASSERT(ev.has_projection);
    ASSERT_NEAR(ev.projection, 70.1, 1e-9);
    ASSERT_EQ_INT(ev.projection_reaches, 1);
    ASSERT_EQ_INT(ev.verdict, PT_ON_TRACK);

    /* on the path now, but flattening: the projection misses → at risk */
    struct pt_actual b[] = {final(2021, 67.5), final(2022, 67.6)};
    pt_eval_run(&urbanization, b, 2, 2022, &ev);
    ASSERT_EQ_INT(ev.on_path, 1);
    ASSERT_EQ_INT(ev.projection_reaches, 0);
    ASSERT_EQ_INT(ev.verdict, PT_AT_RISK);

    /* behind and flattening → off track */
    struct pt_actual c[] = {final(2021, 66.5), final(2022, 66.6)};
    pt_eval_run(&urbanization, c, 2, 2022, &ev);
    ASSERT_EQ_INT(ev.verdict, PT_OFF_TRACK);

    /* provisional values do not enter the projection */
    struct pt_actual d[] = {final(2021, 66.9), prov(2022, "2022-06-30", 67.7)};
    pt_eval_run(&urbanization, d, 2, 2022, &ev);
    ASSERT(!ev.has_projection);
    return 0;
}

/* Row 18: PM2.5 58 → 49 µg/m³, less is better. */
TEST_IMPL(eval_level_down)
{
    struct pt_path pm = {.kind = PT_KIND_LEVEL, .direction = -1, .base_year = 2020, .has_base = 1,
                         .base = 58, .target_year = 2025, .target = 49};
    double e;
    ASSERT(pt_eval_expected(&pm, 2023, &e) == 0);
    ASSERT_NEAR(e, 52.6, 1e-12);
    struct pt_eval ev;
    struct pt_actual a[] = {final(2023, 50)};
    pt_eval_run(&pm, a, 1, 2023, &ev);
    ASSERT_EQ_INT(ev.on_path, 1);
    ASSERT_NEAR(ev.gap, -2.6, 1e-9);
    struct pt_actual b[] = {final(2023, 55)};
    pt_eval_run(&pm, b, 1, 2023, &ev);
    ASSERT_EQ_INT(ev.on_path, 0);
    ASSERT_EQ_INT(ev.verdict, PT_AT_RISK);
    return 0;
}

TEST_IMPL(eval_target_year_final)
{
    struct pt_eval ev;
    /* a target year's final that misses the target is off track, whatever
     * the earlier years said */
    struct pt_actual a[] = {final(2021, 66.9), final(2022, 67.7), final(2025, 69.6)};
    pt_eval_run(&urbanization, a, 3, 2025, &ev);
    ASSERT(ev.target_missed);
    ASSERT_EQ_INT(ev.verdict, PT_OFF_TRACK);
    struct pt_actual b[] = {final(2025, 70.2)};
    pt_eval_run(&urbanization, b, 1, 2025, &ev);
    ASSERT(!ev.target_missed);
    ASSERT_EQ_INT(ev.verdict, PT_ON_TRACK);
    /* evaluated for 2024, the 2025 final is not seen yet */
    pt_eval_run(&urbanization, a, 3, 2024, &ev);
    ASSERT_EQ_INT(ev.actual.year, 2022);
    return 0;
}

/* Row 15: energy per unit of GDP, −15% over five years (changes are signed:
 * a reduction is negative). */
TEST_IMPL(eval_cumulative_energy)
{
    struct pt_path energy = {.kind = PT_KIND_CUMULATIVE_CHANGE, .direction = -1,
                             .base_year = 2020, .target_year = 2025, .target = -15};
    double e;
    ASSERT(pt_eval_expected(&energy, 2023, &e) == 0);
    ASSERT_NEAR(e, (pow(0.85, 3.0 / 5) - 1) * 100, 1e-9);
    ASSERT(round1(e) == -9.3);
    ASSERT(pt_eval_expected(&energy, 2025, &e) == 0 && e == -15);
    ASSERT(pt_eval_expected(&energy, 2020, &e) == 0 && e == 0);

    double r[] = {-3, -3, -4};
    ASSERT(round1(pt_eval_chain(r, 3)) == -9.7);

    struct pt_actual a[] = {final(2021, -3), final(2022, -3), final(2023, -4)};
    struct pt_eval ev;
    pt_eval_run(&energy, a, 3, 2023, &ev);
    ASSERT_NEAR(ev.measure, (0.97 * 0.97 * 0.96 - 1) * 100, 1e-9);
    ASSERT(round1(ev.measure) == -9.7);
    ASSERT_EQ_INT(ev.on_path, 1); /* −9.7 is past −9.3 */
    /* still required each of the two remaining years: ((0.85 / 0.903264)^(1/2) − 1) */
    ASSERT(ev.has_required);
    ASSERT_NEAR(ev.required, (sqrt(0.85 / (0.97 * 0.97 * 0.96)) - 1) * 100, 1e-9);
    ASSERT(ev.has_projection);

    /* yearly cuts of 2% fall behind: −5.9% by 2023 */
    struct pt_actual b[] = {final(2021, -2), final(2022, -2), final(2023, -2)};
    pt_eval_run(&energy, b, 3, 2023, &ev);
    ASSERT_EQ_INT(ev.on_path, 0);
    ASSERT_EQ_INT(ev.projection_reaches, 0);
    ASSERT_EQ_INT(ev.verdict, PT_OFF_TRACK);
    return 0;
}

/* Row 1: GDP growth "6以上", a five-year compound average. */
static const struct pt_path gdp = {.kind = PT_KIND_AVERAGE_RATE, .direction = 1,
                                   .base_year = 2020, .target_year = 2025, .target = 6};

TEST_IMPL(eval_average_rate_gdp)
{
    double e;
    for (int y = 2021; y <= 2025; y++)
        ASSERT(pt_eval_expected(&gdp, y, &e) == 0 && e == 6);
    struct pt_actual a[] = {final(2021, 6.5), final(2022, 3.8), final(2023, 5.5)};
    struct pt_eval ev;
    pt_eval_run(&gdp, a, 3, 2023, &ev);
    double avg = (cbrt(1.065 * 1.038 * 1.055) - 1) * 100;
    ASSERT_NEAR(ev.measure, avg, 1e-9);
    ASSERT_NEAR(ev.gap, avg - 6, 1e-9);
    ASSERT_EQ_INT(ev.on_path, 0);
    /* the rate still required over 2024-2025 for a five-year average of 6 */
    ASSERT_NEAR(ev.required, (sqrt(pow(1.06, 5) / (1.065 * 1.038 * 1.055)) - 1) * 100, 1e-9);
    /* trend −0.5 a year: 2024 4.27, 2025 3.77; the five-year average misses */
    ASSERT(ev.has_projection);
    ASSERT_EQ_INT(ev.projection_reaches, 0);
    ASSERT_EQ_INT(ev.verdict, PT_OFF_TRACK);
    /* the raw actual is the last year's own figure */
    ASSERT(ev.actual.value == 5.5);
    return 0;
}

TEST_IMPL(eval_average_rate_complete)
{
    struct pt_eval ev;
    /* Arithmetic mean 6.0 but compound average 5.93: the target is missed. */
    struct pt_actual a[] = {final(2021, 12), final(2022, 0), final(2023, 6), final(2024, 6),
                            final(2025, 6)};
    pt_eval_run(&gdp, a, 5, 2025, &ev);
    ASSERT(ev.measure < 6 && ev.measure > 5.9);
    ASSERT(ev.target_missed);
    ASSERT_EQ_INT(ev.verdict, PT_OFF_TRACK);
    struct pt_actual b[] = {final(2021, 8.1), final(2022, 5.0), final(2023, 5.9), final(2024, 6.0),
                            final(2025, 5.2)};
    pt_eval_run(&gdp, b, 5, 2025, &ev);
    ASSERT(ev.measure >= 6);
    ASSERT_EQ_INT(ev.verdict, PT_ON_TRACK);
    /* a missing year is left out and said so */
    struct pt_actual c[] = {final(2021, 6.5), final(2023, 6.5)};
    pt_eval_run(&gdp, c, 2, 2023, &ev);
    ASSERT_NEAR(ev.measure, 6.5, 1e-9);
    ASSERT_STR_CONTAINS(ev.reason, "without a final");
    return 0;
}

/* Row 9: surveyed urban unemployment at most 6.5 every year. */
TEST_IMPL(eval_ceiling_unemployment)
{
    struct pt_path p = {.kind = PT_KIND_CEILING, .direction = -1, .base_year = 2020,
                        .target_year = 2025, .target = 6.5};
    double e;
    for (int y = 2021; y <= 2025; y++)
        ASSERT(pt_eval_expected(&p, y, &e) == 0 && e == 6.5);
    struct pt_eval ev;
    struct pt_actual ok[] = {final(2023, 5.5)};
    pt_eval_run(&p, ok, 1, 2023, &ev);
    ASSERT_EQ_INT(ev.on_path, 1);
    ASSERT_EQ_INT(ev.verdict, PT_ON_TRACK);
    struct pt_actual edge[] = {final(2023, 6.5)};
    pt_eval_run(&p, edge, 1, 2023, &ev);
    ASSERT_EQ_INT(ev.on_path, 1);
    struct pt_actual bad[] = {final(2023, 6.8)};
    pt_eval_run(&p, bad, 1, 2023, &ev);
    ASSERT_EQ_INT(ev.on_path, 0);
    ASSERT_EQ_INT(ev.verdict, PT_AT_RISK);
    ASSERT(!ev.has_required);
    return 0;
}

/* Row 22: grain capacity at least 420 (base 430): never interpolated. */
TEST_IMPL(eval_floor_grain)
{
    struct pt_path p = {.kind = PT_KIND_FLOOR, .direction = 1, .base_year = 2020, .has_base = 1,
                        .base = 430, .target_year = 2025, .target = 420};
    double e;
    for (int y = 2021; y <= 2025; y++)
        ASSERT(pt_eval_expected(&p, y, &e) == 0 && e == 420);
    struct pt_eval ev;
    struct pt_actual a[] = {final(2022, 425)};
    pt_eval_run(&p, a, 1, 2022, &ev);
    ASSERT_EQ_INT(ev.on_path, 1); /* below the base, above the floor */
    struct pt_actual b[] = {final(2022, 415)};
    pt_eval_run(&p, b, 1, 2022, &ev);
    ASSERT_EQ_INT(ev.on_path, 0);
    ASSERT_NEAR(ev.gap, -5, 1e-9);
    struct pt_actual c[] = {final(2025, 419)};
    pt_eval_run(&p, c, 1, 2025, &ev);
    ASSERT_EQ_INT(ev.verdict, PT_OFF_TRACK);
    return 0;
}

/* Row 6: digital economy 8% of GDP, in 2025 only. */
TEST_IMPL(eval_end_target)
{
    struct pt_path p = {.kind = PT_KIND_END_TARGET, .direction = 1, .base_year = 2020,
                        .target_year = 2025, .target = 8};
    double e;
    ASSERT(pt_eval_expected(&p, 2023, &e) == PT_ENOTFOUND);
    ASSERT(pt_eval_expected(&p, 2025, &e) == 0 && e == 8);
    struct pt_eval ev;
    struct pt_actual one[] = {final(2023, 7)};
    pt_eval_run(&p, one, 1, 2023, &ev);
    ASSERT(!ev.has_expected && !ev.has_gap);
    ASSERT_EQ_INT(ev.on_path, -1);
    ASSERT_EQ_INT(ev.verdict, PT_ON_TRACK);
    struct pt_actual rising[] = {final(2022, 6.4), final(2023, 7.0)};
    pt_eval_run(&p, rising, 2, 2023, &ev);
    ASSERT_NEAR(ev.projection, 8.2, 1e-9);
    ASSERT_EQ_INT(ev.verdict, PT_ON_TRACK);
    struct pt_actual slow[] = {final(2022, 6.0), final(2023, 6.5)};
    pt_eval_run(&p, slow, 2, 2023, &ev);
    ASSERT_NEAR(ev.projection, 7.5, 1e-9);
    ASSERT_EQ_INT(ev.verdict, PT_AT_RISK);
    return 0;
}

TEST_IMPL(eval_latest_actual)
{
    struct pt_eval ev;
    /* the year's final wins over its provisional values; the latest as-of
     * date wins among provisional ones */
    struct pt_actual a[] = {prov(2023, "2023-09-30", 67.0), final(2023, 67.9),
                            prov(2023, "2023-06-30", 66.0), final(2022, 67.0)};
    pt_eval_run(&urbanization, a, 4, 2023, &ev);
    ASSERT(!ev.actual.provisional && ev.actual.value == 67.9);
    struct pt_actual b[] = {prov(2024, "2024-03-31", 68.0), prov(2024, "2024-09-30", 68.9),
                            final(2023, 67.9)};
    pt_eval_run(&urbanization, b, 3, 2024, &ev);
    ASSERT(ev.actual.provisional && ev.actual.value == 68.9);
    ASSERT_EQ_INT(ev.actual.year, 2024);
    /* a non-seasonal provisional value is compared with the annual path */
    ASSERT_NEAR(ev.compared_with, 69.2, 1e-9);
    return 0;
}

/* Row 17: good-air-day ratio 56 → 64, seasonal. A provisional value is
 * compared with the same period of the previous year, scaled by the path. */
TEST_IMPL(eval_seasonal_provisional)
{
    struct pt_path air = {.kind = PT_KIND_LEVEL, .direction = 1, .base_year = 2020,
                          .has_base = 1, .base = 56, .target_year = 2025, .target = 64,
                          .seasonal = 1};
    struct pt_eval ev;
    /* a polluted first quarter: 40% is far below the annual path (60.8) but
     * above last year's first quarter scaled by 60.8/59.2 */
    struct pt_actual a[] = {prov(2022, "2022-03-31", 38), prov(2023, "2023-03-31", 40)};
    pt_eval_run(&air, a, 2, 2023, &ev);
    ASSERT(ev.has_compared_with);
    ASSERT_NEAR(ev.compared_with, 38 * 60.8 / 59.2, 1e-9);
    ASSERT_EQ_INT(ev.on_path, 1);
    ASSERT_EQ_INT(ev.verdict, PT_ON_TRACK);
    struct pt_actual b[] = {prov(2022, "2022-03-31", 42), prov(2023, "2023-03-31", 40)};
    pt_eval_run(&air, b, 2, 2023, &ev);
    ASSERT_EQ_INT(ev.on_path, 0);
    ASSERT_EQ_INT(ev.verdict, PT_AT_RISK);
    /* nothing to compare with: the path question stays open */
    struct pt_actual c[] = {prov(2023, "2023-03-31", 40)};
    pt_eval_run(&air, c, 1, 2023, &ev);
    ASSERT_EQ_INT(ev.on_path, -1);
    ASSERT(!ev.has_gap);
    ASSERT_STR_CONTAINS(ev.reason, "same period");
    return 0;
}

TEST_IMPL(eval_no_data)
{
    struct pt_eval ev;
    pt_eval_run(&urbanization, NULL, 0, 2023, &ev);
    ASSERT_EQ_INT(ev.verdict, PT_NO_DATA);
    ASSERT(ev.has_expected && !ev.has_actual && !ev.has_gap);
    /* an actual after the evaluated year does not count */
    struct pt_actual a[] = {final(2024, 69)};
    pt_eval_run(&urbanization, a, 1, 2023, &ev);
    ASSERT_EQ_INT(ev.verdict, PT_NO_DATA);
    return 0;
}
