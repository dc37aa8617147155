// The encodings a secret can travel in: raw, URL-encoded (%20 or +), XML-escaped.
#pragma once

#include <cctype>
#include <string>
#include <vector>

namespace pmtest {

inline std::string percent_encode(const std::string& value, bool plus_for_space) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else if (c == ' ' && plus_for_space) {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

inline std::string xml_escaped(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else
            out += c;
    }
    return out;
}

inline std::vector<std::string> secret_forms(const std::string& secret) {
    return {secret, percent_encode(secret, false), percent_encode(secret, true),
            xml_escaped(secret)};
}

}  // namespace pmtest
