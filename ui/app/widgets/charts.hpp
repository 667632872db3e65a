// charts.hpp: small charts drawn with ImDrawList: line plots (several series, optional log
// x axis) and bar charts. Values that are not finite are skipped, never drawn.
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

namespace attn::ui {

struct Series {
    std::string name;
    std::vector<float> y;
    ImU32 color;
};

// x: shared abscissa; series of equal length. marker_x: draws a vertical line there (NaN: none).
void line_plot(const char* id, const std::vector<float>& x, const std::vector<Series>& series, ImVec2 size, bool log_x,
               float y_min, float y_max, float marker_x);

// A curve with its own abscissa (say, a loss every step and an accuracy every 25 steps).
struct Curve {
    std::string name;
    std::vector<float> x, y;  // equal lengths, x increasing
    ImU32 color;
    float thickness = 2.0f;
};

// Curves over x in [0, x_max] with round ticks on both axes; log_y: a logarithmic y axis (values
// ≤ 0 are skipped). Hovering shows each curve's value at the nearest point left of the mouse.
// Non-finite values are skipped, never drawn.
void curve_plot(const char* id, const std::vector<Curve>& curves, ImVec2 size, float x_max, float y_min, float y_max,
                bool log_y);

// One bar per value (0..max), with labels under the bars when they fit. Returns the hovered
// bar or −1.
int bar_chart(const char* id, const std::vector<float>& values, const std::vector<std::string>* labels, ImVec2 size,
              float max_value, ImU32 color);

}  // namespace attn::ui
