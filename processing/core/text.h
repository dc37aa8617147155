// Small text and number helpers shared by every folder.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmb {

// "on", "yes" or "1": a checkbox or flag that is set.
bool is_on(const std::string& value);

// ASCII lowercase; other bytes (UTF-8) unchanged.
std::string lowercase(std::string_view text);
// Lowercase for matching words in status texts: ASCII and Cyrillic (А-Я, Ё); other bytes
// unchanged.
std::string fold_case(std::string_view text);
// ASCII uppercase; other bytes unchanged.
std::string uppercase(std::string_view text);
// Without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view text);
bool contains_any(std::string_view text, std::initializer_list<const char*> needles);
// The non-empty pieces of text between any of the separator characters.
std::vector<std::string> split(const std::string& text, const std::string& separators);
// The pieces with separator between each two.
std::string join(const std::vector<std::string>& pieces, const std::string& separator);

// The whole text as a decimal number (leading spaces and a sign allowed, nothing after it);
// nullopt when it is not one.
std::optional<long long> parse_number(const std::string& text);
// The same, but only a number above zero (ids, timeouts).
std::optional<long long> parse_positive(const std::string& text);

// The length (1-4) of the shortest-form UTF-8 sequence at text[at], its code point in code;
// 0 when none starts there.
size_t utf8_char(std::string_view text, size_t at, char32_t& code);
bool is_valid_utf8(std::string_view text);
// The text as XML 1.0 can carry it: invalid UTF-8 and the characters XML forbids (controls
// but tab, LF and CR; surrogates; U+FFFE, U+FFFF) become U+FFFD.
std::string xml_safe_text(std::string_view text);
// At most max_chars characters (code points); a longer text is cut and ends with "…".
std::string shorten(std::string_view text, size_t max_chars);

// The YYYY-MM-DD of "YYYY-MM-DD", "YYYY-MM-DD hh:mm:ss" or "YYYY-MM-DDThh:mm:ss"; empty for
// anything else and for BILLmanager's "no date", 0000-00-00.
std::string date_part(const std::string& text);

}  // namespace pmb
