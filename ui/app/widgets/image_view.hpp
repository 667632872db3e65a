// image_view.hpp: a picture (RGBA8) as a GL texture, drawn as an ImGui item or laid over one,
// with the picture's pixel under the mouse. Sampled nearest-neighbour: pixels show as the
// network sees them, not smoothed.
//
// The pixels are uploaded only when set() is called; the texture is replaced in place when the
// picture changes and released with the widget.
#pragma once

#include <imgui.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace attn::ui {

struct ImageHover {
    bool active = false;
    std::size_t x = 0, y = 0;  // the picture's pixel under the mouse
};

class ImageView {
public:
    ImageView() = default;
    ~ImageView();
    ImageView(const ImageView&) = delete;
    ImageView& operator=(const ImageView&) = delete;

    // Uploads a width×height picture, row-major RGBA8 (4·width·height bytes).
    void set(std::size_t width, std::size_t height, const std::vector<std::uint8_t>& rgba);
    // False until the first set(): there is nothing to draw.
    bool ready() const { return texture_ != 0; }
    std::size_t width() const { return width_; }
    std::size_t height() const { return height_; }

    // Draws the picture stretched to `size` pixels as an ImGui item.
    ImageHover draw(ImVec2 size) const;
    // Draws the picture over the last item's rectangle, with opacity 0..1 (not an item itself).
    void draw_over_last_item(float opacity) const;

private:
    unsigned int texture_ = 0;
    std::size_t width_ = 0, height_ = 0;
};

}  // namespace attn::ui
