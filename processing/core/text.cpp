#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <exception>

namespace pmb {

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
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

bool contains_any(std::string_view text, std::initializer_list<const char*> needles) {
    return std::any_of(needles.begin(), needles.end(), [&](const char* needle) {
        return text.find(needle) != std::string_view::npos;
    });
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
