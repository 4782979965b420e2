/* Display widths for aligning Chinese text in terminal tables. */
#include "test.h"
#include "text.h"

TEST_IMPL(text_width)
{
    ASSERT_EQ_INT(pt_text_width("abc"), 3);
    ASSERT_EQ_INT(pt_text_width("常住人口城镇化率"), 16);
    ASSERT_EQ_INT(pt_text_width("每千人口执业(助理)医师数"), 2 * 10 + 4);
    ASSERT_EQ_INT(pt_text_width("µg/m³"), 5);
    ASSERT_EQ_INT(pt_text_width("Ⅲ"), 1); /* ambiguous width: narrow, as wcwidth says */
    ASSERT_EQ_INT(pt_text_width("\xff"), 1); /* invalid byte */
    char buf[256];
    pt_text_fit(buf, sizeof buf, "常住人口城镇化率", 20, 0);
    ASSERT_EQ_INT(pt_text_width(buf), 20);
    ASSERT(strncmp(buf, "常住人口城镇化率", strlen("常住人口城镇化率")) == 0);
    pt_text_fit(buf, sizeof buf, "常住人口城镇化率", 9, 0);
    ASSERT_EQ_INT(pt_text_width(buf), 9);
    ASSERT_STR_CONTAINS(buf, "…");
    pt_text_fit(buf, sizeof buf, "常住人口城镇化率", 10, 0);
    ASSERT_EQ_INT(pt_text_width(buf), 10);
    pt_text_fit(buf, sizeof buf, "42", 6, 1);
    ASSERT(strcmp(buf, "    42") == 0);
    return 0;
}
