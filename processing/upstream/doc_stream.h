// An API answer parsed while it streams in, with a libxml2 SAX push parser. Each child of
// <doc> with the wanted name is built as a small tree of its own, handed to a callback and
// freed, so memory holds one such element whatever the size of the answer. An <error> child,
// and an empty, HTML, non-XML, truncated or malformed answer, fail exactly as they do in
// parse_document (response.h), whose pieces this reuses.
#pragma once

#include <libxml/parser.h>

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/xml.h"
#include "model/upstream_error.h"

namespace pmb::upstream {

class DocStream {
public:
    using ElementHandler = std::function<void(const XmlNode& element)>;
    // A bigger element is refused (kBadResponse): it bounds what one element may cost.
    static constexpr size_t kMaxElementBytes = 1024 * 1024;

    // origin (scheme://host[:port]) names the upstream in messages. also: other children of
    // <doc> handed to the same handler (a list's paging fields, p_elems).
    DocStream(std::string element, ElementHandler handler, std::string origin,
              std::vector<std::string> also = {});
    ~DocStream();
    DocStream(const DocStream&) = delete;
    DocStream& operator=(const DocStream&) = delete;

    // The next piece of the answer. Throws UpstreamError, or what the handler throws.
    void feed(std::string_view chunk);
    // The end of the answer; throws UpstreamError unless it was a whole <doc>.
    void finish();

private:
    struct Callbacks;  // the SAX callbacks, in doc_stream.cpp

    void parse(const char* data, size_t size, bool last);
    void start_element(const std::string& name, int attribute_count, const xmlChar** attributes);
    void end_element();
    void add_text(const char* text, size_t size);
    void hand_over_element();
    void count(size_t bytes);
    UpstreamError broken(bool at_end) const;

    bool wanted(const std::string& name) const;

    std::string element_;
    std::vector<std::string> also_;
    ElementHandler handler_;
    std::string origin_;
    xmlParserCtxtPtr context_;
    std::string head_;       // the first bytes, to tell an HTML page or plain text from bad XML
    int depth_ = 0;          // of the element being parsed; 0 outside <doc>
    bool complete_ = false;  // </doc> seen
    std::optional<XmlDoc> current_;  // the wanted (or <error>) element being built
    std::vector<xmlNodePtr> open_;   // its elements from its root to the innermost open
    size_t current_bytes_ = 0;
    std::exception_ptr failure_;  // thrown inside a callback; libxml2 is C and must not see it
};

}  // namespace pmb::upstream
