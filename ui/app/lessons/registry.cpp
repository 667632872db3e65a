// registry.cpp: the lessons in menu order; keys 1–7 follow this order.
#include "lesson.hpp"

namespace attn::ui {

std::vector<LessonFactory> lesson_factories() {
    return {
        &make_basic_lesson,
        &make_dot_lesson,
        &make_multihead_lesson,
        &make_self_lesson,
        &make_viz_lesson,
        &make_conv_lesson,
        &make_tiled_lesson,
    };
}

}  // namespace attn::ui
