// dates.hpp: the `dates` task of the seq2seq translator (issue 12), its vocabularies and encoding.
//
// A source is a uniformly random date from 1900-01-01 to 2099-12-31 in one of eleven formats,
// then kept as is, lower-cased or upper-cased (each with probability 1/3):
//   "23 Nov 2026"  "03 Nov 2026"  "23 November 2026"  "November 23, 2026"  "Nov 23, 2026"
//   "23/11/2026"   "23.11.2026"   "2026/11/23"  "Monday, 23 November 2026"  "23rd November 2026"
//   "the 23rd of November 2026"
// ("23 Nov" has no leading zero, "03 Nov" always two digits, "23/11/2026" and "2026/11/23" two
// digits, "23.11.2026" none; the weekday is the real one). The target is ISO: "2026-11-23".
// Each example also gives the source spans (character ranges) holding the year, the month (name
// or number) and the day (number with its suffix), for the alignment score: the attention mass
// the output's year, month and day characters put on those spans.
// Vocabularies: <pad>, <bos>, <eos>, <unk> at ids 0–3, then one character each (source: space
// , . / digits A–Z a–z; target: - and digits). Encoding maps any other character (a UTF-8 code
// point) to <unk>.
// Deliberately not here: the model (attn/train/seq2seq.hpp) and training loops.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "attn/train/rng.hpp"

namespace attn::dates {

inline constexpr std::int32_t kPad = 0, kBos = 1, kEos = 2, kUnk = 3;
inline constexpr std::size_t kFormats = 11;
// Longest source the translator accepts (characters, i.e. code points). The longest generated
// source, "Wednesday, 23 September 2026", has 28.
inline constexpr std::size_t kMaxSourceLength = 64;
// Target: "YYYY-MM-DD" then <eos>.
inline constexpr std::size_t kTargetChars = 10, kTargetSteps = kTargetChars + 1;

enum class Case { as_is, lower, upper };

struct Date {
    int year = 2000, month = 1, day = 1;
};

// A character range [begin, end) of a source.
struct Span {
    std::size_t begin = 0, end = 0;
};

struct Example {
    std::string source, target;
    Span year, month, day;  // in the source
};

// Days since 1970-01-01 (proleptic Gregorian) and back.
std::int64_t days_from_civil(const Date& d);
Date civil_from_days(std::int64_t days);
// 0 = Monday … 6 = Sunday.
int weekday(const Date& d);
bool valid_date(const Date& d);
const char* weekday_name(int weekday);  // "Monday"
const char* month_name(int month);      // "November" (1-based)
// "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", …
std::string day_with_suffix(int day);

// The date in format f (0 … 10, the order above) and case c, with its spans. Throws attn::Error on an
// invalid date or format.
Example format_date(const Date& d, std::size_t format, Case c);
// A uniformly random date in 1900-01-01 … 2099-12-31, format and case.
Example random_example(Rng& rng);
// The ISO target of a date: "2026-11-23".
std::string iso(const Date& d);

// A character vocabulary: tokens()[id], <pad> <bos> <eos> <unk> first.
class Vocabulary {
public:
    explicit Vocabulary(std::vector<std::string> tokens);
    const std::vector<std::string>& tokens() const { return tokens_; }
    std::size_t size() const { return tokens_.size(); }
    // The id of a one-byte character (kUnk when absent).
    std::int32_t id(unsigned char c) const { return ids_[c]; }
    // Every UTF-8 code point of text → its id (kUnk for any not in the vocabulary; an invalid
    // byte counts as one unknown character). No <bos>/<eos> added.
    std::vector<std::int32_t> encode(const std::string& text) const;
    // ids → characters; specials written as their names ("<eos>").
    std::string decode(const std::int32_t* ids, std::size_t n) const;
    const std::string& token(std::int32_t id) const { return tokens_.at(static_cast<std::size_t>(id)); }

private:
    std::vector<std::string> tokens_;
    std::array<std::int32_t, 256> ids_{};
};

const Vocabulary& source_vocabulary();
const Vocabulary& target_vocabulary();

// The characters of a UTF-8 string (code points; an invalid byte is one character), for the
// tables that show a source.
std::vector<std::string> split_characters(const std::string& text);

// A batch of examples, encoded: sources padded with <pad> to the longest, targets of
// kTargetSteps ids (10 characters then <eos>).
struct Batch {
    std::size_t size = 0, source_length = 0, target_length = kTargetSteps;
    std::vector<std::int32_t> source;  // (B, source_length)
    std::vector<std::size_t> lengths;  // B, each ≥ 1
    std::vector<std::int32_t> target;  // (B, target_length)
    std::vector<Example> examples;     // the texts and spans
};

// B fresh examples from rng, encoded with the given vocabularies (no allocation once the buffers are warm, texts
// aside).
void generate_batch(std::size_t B, Rng& rng, Batch& batch, const Vocabulary& sv = source_vocabulary(),
                    const Vocabulary& tv = target_vocabulary());
// Encodes given sources and ISO targets. Throws attn::Error naming the first problem
// ("source[2] is empty", "source[0] has 70 characters, the limit is 64",
// "target[1] is '2026-13-01', expected a date YYYY-MM-DD from 1900-01-01 to 2099-12-31").
// Spans are left empty.
void encode_batch(const std::vector<std::string>& sources, const std::vector<std::string>& targets, Batch& batch,
                  const Vocabulary& sv = source_vocabulary(), const Vocabulary& tv = target_vocabulary());
// One source, checked the same way; field names it ("source").
std::vector<std::int32_t> encode_source(const std::string& source, const Vocabulary& sv = source_vocabulary());
// Parses "YYYY-MM-DD" (1900-01-01 … 2099-12-31); false when it is not such a date.
bool parse_iso(const std::string& text, Date& date);

}  // namespace attn::dates
