// shipped_models.hpp: the trained models that ship with the app (models/*.safetensors at the
// repository root, made by scripts/make_models with attnlab train) and the state of fetching one.
//
// The app never bakes a model into its binary: a lesson asks its shell for the file by its path
// relative to the site or the executable ("models/reverse.safetensors"; Platform::request_asset),
// the browser fetches it when the lesson first needs it, the desktop reads it from disk. While
// the bytes are on their way the lesson shows "loading model…"; when they do not come or do not
// parse it shows why, and its other examples keep working.
// Adding a model: a line in scripts/make_models and a ModelAsset with its path in the lesson.
// Deliberately not here: I/O (the shell's), drawing (the lesson's).
#pragma once

#include <memory>
#include <string>

#include "attn/train/model_file.hpp"
#include "attn/train/seq2seq_file.hpp"

namespace attn::ui {

// Paths of the shipped models, relative to the site (web) or the models folder's parent (desktop).
inline constexpr const char* kReverseModelPath = "models/reverse.safetensors";
inline constexpr const char* kInductionModelPath = "models/induction.safetensors";
inline constexpr const char* kDatesModelPath = "models/dates.safetensors";
// The model the default lesson (basic: the date translator) opens on. The first visit downloads
// it before that lesson is interactive, so it counts in the first-load budget: the browser test
// tests/e2e/offline.test.mjs reads the path from this line.
inline constexpr const char* kDefaultLessonModelPath = "models/dates.safetensors";

class ModelAsset {
public:
    enum class State { idle, loading, ready, failed };

    // path: as above; task: the task the model must have been trained on (its file's config).
    ModelAsset(std::string path, TaskKind task) : path_(std::move(path)), task_(task) {}
    // A date translator (attn/train/seq2seq_file.hpp) instead of a Transformer.
    struct Seq2SeqDates {};
    ModelAsset(std::string path, Seq2SeqDates) : path_(std::move(path)), seq2seq_(true) {}

    const std::string& path() const { return path_; }
    State state() const { return state_; }
    // idle → loading; returns true when the caller should now ask its shell for the bytes.
    bool begin();
    // The shell's answer: bytes, or an error ("HTTP 404", "cannot open …"). Parses and checks
    // the file (attn/train/model_file.hpp) and its task; ready or failed with a message.
    void deliver(const std::string& bytes, const std::string& error);
    // failed → idle, so the next begin() fetches again (a "retry" button).
    void retry();

    // ready: the model and its file's metadata (file() for a Transformer, seq2seq() for a translator).
    ModelFile* file() { return state_ == State::ready ? file_.get() : nullptr; }
    Seq2SeqFile* seq2seq() { return state_ == State::ready ? seq2seq_file_.get() : nullptr; }
    // failed: "could not load the trained model models/reverse.safetensors: HTTP 404".
    const std::string& error() const { return error_; }
    // "idle", "loading", "ready", "failed" (state() in the JS API).
    const char* state_name() const;

private:
    std::string path_;
    TaskKind task_ = TaskKind::reverse;
    bool seq2seq_ = false;
    State state_ = State::idle;
    std::unique_ptr<ModelFile> file_;
    std::unique_ptr<Seq2SeqFile> seq2seq_file_;
    std::string error_;
};

}  // namespace attn::ui
