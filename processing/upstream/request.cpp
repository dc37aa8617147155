#include "upstream/request.h"

#include "core/scrub.h"

namespace pmb::upstream {

Request& Request::add(std::string name, std::string value) {
    params_.emplace_back(std::move(name), std::move(value));
    return *this;
}

Request& Request::add_if(std::string name, std::string value) {
    if (!value.empty())
        add(std::move(name), std::move(value));
    return *this;
}

std::string Request::value(const std::string& name) const {
    for (const auto& [key, value] : params_)
        if (key == name)
            return value;
    return {};
}

std::string encode_form(const Params& params) {
    std::string body;
    for (const auto& [name, value] : params) {
        if (!body.empty())
            body += '&';
        body += url_encode(name) + '=' + url_encode(value);
    }
    return body;
}

std::string public_body(const Request& request) {
    Params all = {{"func", request.func()}, {"out", request.output()}, {"lang", "en"}};
    all.insert(all.end(), request.params().begin(), request.params().end());
    return encode_form(all);
}

std::string authinfo_field(const std::string& username, const std::string& password) {
    return "authinfo=" + url_encode(username) + ':' + url_encode(password);
}

std::string form_body(const Request& request, const std::string& username,
                      const std::string& password) {
    return authinfo_field(username, password) + '&' + public_body(request);
}

}  // namespace pmb::upstream
