#include "upstream/doc_stream.h"

#include <algorithm>

#include "upstream/response.h"

namespace pmb::upstream {
namespace {

constexpr size_t kHeadBytes = 1024;
constexpr size_t kParseStep = 64 * 1024;  // xmlParseChunk takes an int size

const xmlChar* x(const char* text) {
    return reinterpret_cast<const xmlChar*>(text);
}
std::string text_of(const xmlChar* text) {
    return reinterpret_cast<const char*>(text);
}

// SAX2 hands attributes as (localname, prefix, URI, value begin, value end) quintuples.
void copy_attributes(xmlNodePtr node, int count, const xmlChar** attributes) {
    for (int i = 0; i < count; ++i) {
        const xmlChar** attribute = attributes + 5 * i;
        std::string value(reinterpret_cast<const char*>(attribute[3]),
                          static_cast<size_t>(attribute[4] - attribute[3]));
        xmlSetProp(node, attribute[0], x(value.c_str()));
    }
}

size_t attributes_size(int count, const xmlChar** attributes) {
    size_t bytes = 0;
    for (int i = 0; i < count; ++i)
        bytes += static_cast<size_t>(attributes[5 * i + 4] - attributes[5 * i + 3]);
    return bytes;
}

}  // namespace

struct DocStream::Callbacks {
    // Runs one step; an exception is kept for feed() to rethrow, and parsing stops.
    template <typename Step>
    static void guarded(void* context, Step step) {
        auto* stream = static_cast<DocStream*>(context);
        if (stream->failure_)
            return;
        try {
            step(*stream);
        } catch (...) {
            stream->failure_ = std::current_exception();
            xmlStopParser(stream->context_);
        }
    }

    static void start(void* context, const xmlChar* name, const xmlChar*, const xmlChar*, int,
                      const xmlChar**, int attribute_count, int, const xmlChar** attributes) {
        guarded(context, [&](DocStream& stream) {
            stream.start_element(text_of(name), attribute_count, attributes);
        });
    }

    static void end(void* context, const xmlChar*, const xmlChar*, const xmlChar*) {
        guarded(context, [](DocStream& stream) { stream.end_element(); });
    }

    static void text(void* context, const xmlChar* text, int size) {
        guarded(context, [&](DocStream& stream) {
            stream.add_text(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
        });
    }

    // Errors are read from the parser's return code; nothing may reach stderr.
    static void quiet(void*, xmlErrorPtr) {}

    static xmlSAXHandler handler() {
        xmlSAXHandler sax{};
        sax.initialized = XML_SAX2_MAGIC;
        sax.startElementNs = start;
        sax.endElementNs = end;
        sax.characters = text;
        sax.cdataBlock = text;
        sax.serror = quiet;
        return sax;
    }
};

DocStream::DocStream(std::string element, ElementHandler handler, std::string origin,
                     std::vector<std::string> also)
    : element_(std::move(element)),
      also_(std::move(also)),
      handler_(std::move(handler)),
      origin_(std::move(origin)) {
    xmlSAXHandler sax = Callbacks::handler();
    context_ = xmlCreatePushParserCtxt(&sax, this, nullptr, 0, nullptr);
    if (!context_)
        throw Error(errtype::kInternal, "xml", "", "cannot create an XML parser");
    // No NOENT: the answer comes from the network, so declared entities are never expanded
    // (character and predefined references are decoded anyway). NONET: no fetching.
    xmlCtxtUseOptions(context_, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

DocStream::~DocStream() {
    // A DOCTYPE makes libxml2 build a document for its DTD even under SAX; the context does
    // not own it.
    if (context_->myDoc)
        xmlFreeDoc(context_->myDoc);
    xmlFreeParserCtxt(context_);
}

void DocStream::feed(std::string_view chunk) {
    if (head_.size() < kHeadBytes)
        head_.append(chunk.substr(0, kHeadBytes - head_.size()));
    for (size_t done = 0; done < chunk.size(); done += kParseStep) {
        std::string_view step = chunk.substr(done, kParseStep);
        parse(step.data(), step.size(), false);
    }
}

void DocStream::finish() {
    parse(nullptr, 0, true);
    if (!complete_)
        throw broken(true);
}

void DocStream::parse(const char* data, size_t size, bool last) {
    if (failure_)
        std::rethrow_exception(failure_);
    int status = xmlParseChunk(context_, data, static_cast<int>(size), last ? 1 : 0);
    if (failure_)
        std::rethrow_exception(failure_);
    if (status != 0)
        throw broken(last);
}

void DocStream::start_element(const std::string& name, int attribute_count,
                              const xmlChar** attributes) {
    ++depth_;
    if (depth_ == 1) {
        std::string problem = unusable_root(name);
        if (!problem.empty())
            throw bad_answer_from(origin_, problem);
        return;
    }
    bool handed_over = depth_ == 2 && wanted(name);
    if (!current_ && !handed_over)
        return;
    if (handed_over) {
        current_.emplace(name);
        open_ = {current_->root().raw()};
        current_bytes_ = 0;
    } else {
        open_.push_back(xmlNewChild(open_.back(), nullptr, x(name.c_str()), nullptr));
    }
    count(name.size() + attributes_size(attribute_count, attributes));
    copy_attributes(open_.back(), attribute_count, attributes);
}

bool DocStream::wanted(const std::string& name) const {
    return name == element_ || name == "error" ||
           std::find(also_.begin(), also_.end(), name) != also_.end();
}

void DocStream::end_element() {
    if (current_ && depth_ == 2)
        hand_over_element();
    else if (current_)
        open_.pop_back();
    if (depth_ == 1)
        complete_ = true;
    --depth_;
}

void DocStream::add_text(const char* text, size_t size) {
    if (!current_)
        return;
    count(size);
    xmlNodeAddContentLen(open_.back(), reinterpret_cast<const xmlChar*>(text),
                         static_cast<int>(size));
}

// The element is complete: an <error> fails the answer, anything else goes to the handler.
void DocStream::hand_over_element() {
    XmlDoc element = std::move(*current_);
    current_.reset();
    open_.clear();
    if (element.root().name() == "error")
        throw error_from_element(element.root(), origin_);
    handler_(element.root());
}

void DocStream::count(size_t bytes) {
    current_bytes_ += bytes;
    if (current_bytes_ > kMaxElementBytes)
        throw bad_answer_from(origin_, "a <" + element_ + "> element larger than " +
                                           std::to_string(kMaxElementBytes) + " bytes");
}

UpstreamError DocStream::broken(bool at_end) const {
    std::string problem = unusable_start(head_);
    if (problem.empty())
        problem = unparsable_xml(at_end && depth_ > 0);
    return bad_answer_from(origin_, problem);
}

}  // namespace pmb::upstream
