// image_view.cpp
#include "image_view.hpp"

#include <algorithm>
#include <cstdint>

#include "gl.hpp"

namespace attn::ui {

namespace {

ImTextureID texture_id(unsigned int texture) {
    return reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(texture));
}

}  // namespace

ImageView::~ImageView() {
    if (texture_) glDeleteTextures(1, &texture_);
}

void ImageView::set(std::size_t width, std::size_t height, const std::vector<std::uint8_t>& rgba) {
    if (!texture_) {
        glGenTextures(1, &texture_);
        glBindTexture(GL_TEXTURE_2D, texture_);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);  // pixels as the network sees them
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    }
    glBindTexture(GL_TEXTURE_2D, texture_);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, static_cast<GLsizei>(width), static_cast<GLsizei>(height), 0, GL_RGBA,
                 GL_UNSIGNED_BYTE, rgba.data());
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    width_ = width;
    height_ = height;
}

ImageHover ImageView::draw(ImVec2 size) const {
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::Image(texture_id(texture_), size);
    ImageHover hv;
    if (!ImGui::IsItemHovered() || width_ == 0 || height_ == 0) return hv;
    const ImVec2 m = ImGui::GetIO().MousePos;
    hv.active = true;
    hv.x = static_cast<std::size_t>(std::clamp((m.x - p0.x) / size.x, 0.0f, 0.999f) * static_cast<float>(width_));
    hv.y = static_cast<std::size_t>(std::clamp((m.y - p0.y) / size.y, 0.0f, 0.999f) * static_cast<float>(height_));
    return hv;
}

void ImageView::draw_over_last_item(float opacity) const {
    ImGui::GetWindowDrawList()->AddImage(texture_id(texture_), ImGui::GetItemRectMin(), ImGui::GetItemRectMax(),
                                         ImVec2(0, 0), ImVec2(1, 1),
                                         IM_COL32(255, 255, 255, static_cast<int>(255 * opacity)));
}

}  // namespace attn::ui
