// registry.cpp: the lessons in menu order. Adding a lesson = one file in ui/app/lessons/ that
// defines make_<id>_lesson(), plus one line in ATTN_LESSONS. Keys 1, 2, … follow this order;
// the top bar, --list-lessons, the JS API's lessons() and the tests all read this list.
#include "lesson.hpp"

// X(id): the lesson made by make_<id>_lesson() in <id>.cpp.
#define ATTN_LESSONS(X) \
    X(basic)            \
    X(dot)              \
    X(multihead)        \
    X(self)             \
    X(viz)              \
    X(conv)             \
    X(tiled)            \
    X(train)

namespace attn::ui {

#define ATTN_DECLARE(id) std::unique_ptr<Lesson> make_##id##_lesson();
ATTN_LESSONS(ATTN_DECLARE)
#undef ATTN_DECLARE

namespace {
std::vector<LessonFactory>& extra_lessons() {
    static std::vector<LessonFactory> extra;
    return extra;
}
}  // namespace

void register_extra_lesson(LessonFactory make) { extra_lessons().push_back(make); }

std::vector<LessonFactory> lesson_factories() {
#define ATTN_ENTRY(id) &make_##id##_lesson,
    std::vector<LessonFactory> all = {ATTN_LESSONS(ATTN_ENTRY)};
#undef ATTN_ENTRY
    all.insert(all.end(), extra_lessons().begin(), extra_lessons().end());
    return all;
}

}  // namespace attn::ui
