// One upstream API call before it hits the wire: the function name and its parameters, in
// order. Encoding into the POST body lives here too, so the body shape is tested in one place.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pmb::upstream {

using Params = std::vector<std::pair<std::string, std::string>>;

class Request {
public:
    explicit Request(std::string func) : func_(std::move(func)) {}

    Request& add(std::string name, std::string value);
    // Adds the parameter only when the value is not empty.
    Request& add_if(std::string name, std::string value);

    const std::string& func() const { return func_; }
    const Params& params() const { return params_; }
    // The value of the first parameter with this name; empty when absent.
    std::string value(const std::string& name) const;

    // A charging call (spends upstream money or restarts validation) travels on a connection
    // of its own, so that no layer can silently send it a second time.
    Request& mark_charging() {
        charging_ = true;
        return *this;
    }
    bool charging() const { return charging_; }
    // A read not worth waiting for again (a best-effort refresh after the command's work).
    Request& mark_single_try() {
        single_try_ = true;
        return *this;
    }
    // Sent once whatever happens: a charging call, or a read marked so.
    bool single_try() const { return charging_ || single_try_; }

    // An answer that may hold a private key in a form no scrubber recognises (DER, base64):
    // its body is never logged.
    Request& mark_answer_secret() {
        answer_secret_ = true;
        return *this;
    }
    bool answer_secret() const { return answer_secret_; }
    // The answer format (out=): xml unless asked otherwise. devel and xjson add the panel's
    // metadata (toolbar, form fields), as the XML or as JSON.
    Request& output(std::string format) {
        output_ = std::move(format);
        return *this;
    }
    const std::string& output() const { return output_; }

private:
    std::string func_;
    Params params_;
    bool charging_ = false;
    bool single_try_ = false;
    bool answer_secret_ = false;
    std::string output_ = "xml";
};

// name=value&… with every name and value percent-encoded (spaces as %20).
std::string encode_form(const Params& params);

// The request without credentials: func, out (xml unless asked otherwise), lang=en, then the
// parameters. Safe to log.
std::string public_body(const Request& request);

// authinfo=USER:PASSWORD — user and password encoded separately so the colon stays a separator.
std::string authinfo_field(const std::string& username, const std::string& password);

// The full POST body: authinfo first, then public_body().
std::string form_body(const Request& request, const std::string& username,
                      const std::string& password);

}  // namespace pmb::upstream
