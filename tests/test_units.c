/* The unit table: conversions are exact in decimal, refusals name both units. */
#include "test.h"
#include "units.h"

TEST_IMPL(units_convert)
{
    double v;
    struct pt_err err;
    ASSERT(pt_unit_convert(1.2, "mg/m³", "µg/m³", &v, &err) == 0);
    ASSERT(v == 1200);
    ASSERT(pt_unit_convert(35, "ug/m3", "mg/m³", &v, &err) == 0);
    ASSERT(v == 0.035);
    /* 679 ‰ is exactly the double nearest 67.9 %, not 67.90000000000001 */
    ASSERT(pt_unit_convert(679, "‰", "%", &v, &err) == 0);
    ASSERT(v == 67.9);
    ASSERT(pt_unit_convert(67.9, "%", "‰", &v, &err) == 0);
    ASSERT(v == 679);
    ASSERT(pt_unit_convert(8000, "亿元", "万元", &v, &err) == 0);
    ASSERT(v == 80000000);
    ASSERT(pt_unit_convert(150, "万吨标准煤", "吨标准煤", &v, &err) == 0);
    ASSERT(v == 1500000);
    ASSERT(pt_unit_convert(0.82, "亿立方米", "万立方米", &v, &err) == 0);
    ASSERT_NEAR(v, 8200, 1e-9);
    /* The Greek mu spelling is the same unit as the micro sign. */
    ASSERT(pt_unit_find("μg/m³") == pt_unit_find("µg/m³"));
    ASSERT(pt_unit_convert(5, "%", "%", &v, &err) == 0 && v == 5);
    return 0;
}

TEST_IMPL(units_refuse)
{
    double v = 42;
    struct pt_err err = {0};
    ASSERT(pt_unit_convert(1, "mg/m³", "%", &v, &err) == PT_EUNIT);
    ASSERT_STR_CONTAINS(err.msg, "mg/m³");
    ASSERT_STR_CONTAINS(err.msg, "%");
    ASSERT(v == 42);
    ASSERT(pt_unit_convert(1, "furlongs", "%", &v, &err) == PT_EUNIT);
    ASSERT_STR_CONTAINS(err.msg, "furlongs");
    /* counts of different things do not convert */
    ASSERT(pt_unit_convert(1, "件", "人", &v, &err) == PT_EUNIT);
    /* a share and percentage points are different quantities */
    ASSERT(pt_unit_convert(1, "%", "pp", &v, &err) == PT_EUNIT);
    ASSERT(pt_unit_find(NULL) == NULL);
    return 0;
}
