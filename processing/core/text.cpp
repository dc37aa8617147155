#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <exception>

namespace pmb {

bool is_on(const std::string& value) {
    return value == "on" || value == "yes" || value == "1";
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string fold_case(std::string_view text) {
    std::string out = lowercase(text);
    for (size_t i = 0; i + 1 < out.size(); ++i) {
        auto lead = static_cast<unsigned char>(out[i]);
        auto next = static_cast<unsigned char>(out[i + 1]);
        if (lead != 0xD0)
            continue;
        if (next >= 0x90 && next <= 0x9F) {  // А-П -> а-п
            out[i + 1] = static_cast<char>(next + 0x20);
        } else if (next >= 0xA0 && next <= 0xAF) {  // Р-Я -> р-я
            out[i] = static_cast<char>(0xD1);
            out[i + 1] = static_cast<char>(next - 0x20);
        } else if (next == 0x81) {  // Ё -> ё
            out[i] = static_cast<char>(0xD1);
            out[i + 1] = static_cast<char>(0x91);
        }
        ++i;
    }
    return out;
}

std::string uppercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string_view trim(std::string_view text) {
    size_t begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos)
        return {};
    size_t end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

std::vector<std::string> split(const std::string& text, const std::string& separators) {
    std::vector<std::string> out;
    size_t pos = 0;
    while ((pos = text.find_first_not_of(separators, pos)) != std::string::npos) {
        size_t end = text.find_first_of(separators, pos);
        out.push_back(text.substr(pos, end == std::string::npos ? end : end - pos));
        pos = end;
    }
    return out;
}

std::string join(const std::vector<std::string>& pieces, const std::string& separator) {
    std::string out;
    for (size_t i = 0; i < pieces.size(); ++i)
        out += (i > 0 ? separator : "") + pieces[i];
    return out;
}

bool contains_any(std::string_view text, std::initializer_list<const char*> needles) {
    return std::any_of(needles.begin(), needles.end(), [&](const char* needle) {
        return text.find(needle) != std::string_view::npos;
    });
}

size_t utf8_char(std::string_view text, size_t at, char32_t& code) {
    auto lead = static_cast<uint8_t>(text[at]);
    size_t length = lead < 0x80       ? 1
                    : lead >> 5 == 6  ? 2
                    : lead >> 4 == 14 ? 3
                    : lead >> 3 == 30 ? 4
                                      : 0;
    if (length == 0 || at + length > text.size())
        return 0;
    code = length == 1 ? lead : lead & (0xFF >> (length + 1));
    for (size_t i = 1; i < length; ++i) {
        auto next = static_cast<uint8_t>(text[at + i]);
        if (next >> 6 != 2)
            return 0;
        code = code << 6 | (next & 0x3F);
    }
    const char32_t shortest[] = {0, 0, 0x80, 0x800, 0x10000};
    return code < shortest[length] || code > 0x10FFFF ? 0 : length;
}

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool xml_allows(char32_t code) {
    if (code < 0x20)
        return code == '\t' || code == '\n' || code == '\r';
    return !(code >= 0xD800 && code <= 0xDFFF) && code != 0xFFFE && code != 0xFFFF;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    for (size_t at = 0; at < text.size();) {
        char32_t code = 0;
        size_t length = utf8_char(text, at, code);
        if (length == 0 || (code >= 0xD800 && code <= 0xDFFF))
            return false;
        at += length;
    }
    return true;
}

std::string xml_safe_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t at = 0; at < text.size();) {
        char32_t code = 0;
        size_t length = utf8_char(text, at, code);
        if (length == 0 || !xml_allows(code))
            out += kReplacement;
        else
            out += text.substr(at, length);
        at += length == 0 ? 1 : length;
    }
    return out;
}

std::string shorten(std::string_view text, size_t max_chars) {
    size_t chars = 0;
    for (size_t at = 0; at < text.size(); ++chars) {
        if (chars == max_chars)
            return std::string(text.substr(0, at)) + "…";
        char32_t code = 0;
        size_t length = utf8_char(text, at, code);
        at += length == 0 ? 1 : length;
    }
    return std::string(text);
}

std::optional<long long> parse_number(const std::string& text) {
    try {
        size_t used = 0;
        long long value = std::stoll(text, &used);
        if (used == text.size())
            return value;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

std::optional<long long> parse_positive(const std::string& text) {
    auto value = parse_number(text);
    if (value && *value > 0)
        return value;
    return std::nullopt;
}

std::string date_part(const std::string& text) {
    std::string date = text.substr(0, 10);
    if (date.size() != 10 || date == "0000-00-00")
        return {};
    for (size_t i = 0; i < date.size(); ++i) {
        bool dash_expected = i == 4 || i == 7;
        bool ok =
            dash_expected ? date[i] == '-' : std::isdigit(static_cast<unsigned char>(date[i]));
        if (!ok)
            return {};
    }
    if (text.size() > 10 && text[10] != ' ' && text[10] != 'T')
        return {};
    return date;
}

}  // namespace pmb
