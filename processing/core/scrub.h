// Removes secrets from any text before it is logged or printed. Two layers: known secret
// values registered at run time (password, DB password, keys), and patterns that catch
// secrets we were never told about (authinfo=…, password fields, private-key PEM blocks).
#pragma once

#include <string>
#include <vector>

namespace pmb {

class Scrubber {
public:
    static Scrubber& global();

    // Registers a value that must never appear; its URL- and XML-encoded forms are hidden too.
    // Values shorter than 3 characters are not registered (they would hide ordinary text);
    // the patterns still catch them where they travel as authinfo or password fields.
    void add_secret(const std::string& value);
    std::string clean(std::string text) const;

    static constexpr const char* kMask = "[hidden]";

private:
    std::vector<std::string> secret_forms_;
};

// Percent-encodes everything but RFC 3986 unreserved characters (as curl_easy_escape does).
std::string url_encode(const std::string& value);

}  // namespace pmb
