// registry.cpp: the lessons in menu order; keys 1–7 follow this order.
#include "lesson.hpp"

namespace attn::ui {

std::vector<LessonFactory> lesson_factories() {
    return {
        &make_dot_lesson,
    };
}

}  // namespace attn::ui
