// platform.hpp: the few things the app needs from its shell (browser or desktop window).
#pragma once

#include <functional>
#include <string>

namespace attn::ui {

class Platform {
public:
    virtual ~Platform() = default;
    // What save_file did: a message for the status line ("saved weights.csv", "could not write
    // weights.csv"), and whether the file was written (an export reports a failure to its caller).
    struct Saved {
        bool ok = true;
        std::string message;
    };
    // Offer bytes to the user as a file (browser: a download; desktop: a file in the
    // working directory).
    virtual Saved save_file(const std::string& name, const std::string& mime, const std::string& bytes) = 0;
    // Put text on the clipboard.
    virtual void copy_text(const std::string& text) = 0;
    // The view's deep link changed (browser: update the address bar without reloading).
    virtual void link_changed(const std::string& query) { (void)query; }
    // Full link for a query: "http://host/page?query" or "attnlab-desktop --link 'query'".
    virtual std::string full_link(const std::string& query) const = 0;
    // Ask the user for a file of this kind ("image" or "scenario"); the shell later calls
    // App::load_file with the bytes. Returns false when the shell has no picker (the app then
    // offers a path field).
    virtual bool request_open(const std::string& kind) {
        (void)kind;
        return false;
    }
    // Read a local file (desktop path field, drag and drop). Browser: not available.
    virtual bool read_file(const std::string& path, std::string& bytes, std::string& error) {
        (void)path;
        (void)bytes;
        error = "reading local paths is not available here";
        return false;
    }
    // A file shipped with the app, by its path relative to the site or the executable
    // ("models/reverse.safetensors", ui/logic/shipped_models.hpp). done(bytes, error) is called
    // exactly once, with error empty on success: later, between frames (browser: fetched when
    // first needed, never baked into the wasm), or before this returns (desktop: read from the
    // models folder next to the executable, else the source tree's).
    using AssetDone = std::function<void(const std::string& bytes, const std::string& error)>;
    virtual void request_asset(const std::string& path, AssetDone done) {
        done({}, "this shell has no shipped files (" + path + ")");
    }
};

}  // namespace attn::ui
