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

// One bar per value (0..max), with labels under the bars when they fit. Returns the hovered
// bar or −1.
int bar_chart(const char* id, const std::vector<float>& values, const std::vector<std::string>* labels, ImVec2 size,
              float max_value, ImU32 color);

}  // namespace attn::ui
