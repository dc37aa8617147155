#include "lifecycle/template_cache.h"

#include <fcntl.h>
#include <libxml/xmlreader.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/paths.h"
#include "core/text.h"

namespace pmb {
namespace {

struct ReaderCloser {
    void operator()(xmlTextReader* reader) const { xmlFreeTextReader(reader); }
};
using Reader = std::unique_ptr<xmlTextReader, ReaderCloser>;

std::string attribute(xmlTextReader* reader, const std::string& name) {
    xmlChar* value =
        xmlTextReaderGetAttribute(reader, reinterpret_cast<const xmlChar*>(name.c_str()));
    if (!value)
        return {};
    std::string text(reinterpret_cast<const char*>(value));
    xmlFree(value);
    return text;
}

// The cache's own attribute: the flags guessed from names, space-separated.
constexpr const char* kGuessed = "guessed";

// ISPsystem's names of the validation attributes of a template.
constexpr const char* kAuthEmail = "authemail";
constexpr const char* kAuthDnstxt = "authdnstxt";

TariffTemplate template_at(xmlTextReader* reader) {
    TariffTemplate tariff{attribute(reader, "name"), {}, {}};
    const std::string dns = attribute(reader, kAuthDnstxt);
    if (!dns.empty())
        tariff.dns_validation = dns == "yes";
    for (const auto& flag : template_flags())
        if (attribute(reader, flag) == "yes")
            tariff.flags.insert(flag);
    for (const auto& flag : split(attribute(reader, kGuessed), " "))
        tariff.guessed.insert(flag);
    return tariff;
}

// The cache keeps what the export stated (yes or no); features shows what the form offers.
void write_validation_methods(XmlWriter& writer, const TariffTemplate& tariff, bool cache) {
    if (cache) {
        if (tariff.dns_validation)
            writer.attr(kAuthDnstxt, *tariff.dns_validation ? "yes" : "no");
        return;
    }
    writer.attr(kAuthEmail, "yes");
    if (offers_dns_validation(tariff, ""))
        writer.attr(kAuthDnstxt, "yes");
}

void write_template(XmlWriter& writer, const TariffTemplate& tariff, bool with_guesses) {
    writer.open("template").attr("name", tariff.name);
    for (const auto& flag : template_flags())
        if (tariff.has(flag))
            writer.attr(flag, "yes");
    write_validation_methods(writer, tariff, with_guesses);
    if (with_guesses && !tariff.guessed.empty()) {
        std::string guessed;
        for (const auto& flag : tariff.guessed)
            guessed += (guessed.empty() ? "" : " ") + flag;
        writer.attr(kGuessed, guessed);
    }
    writer.close();
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0;
}

[[noreturn]] void cannot_write(const std::string& path, int error) {
    throw Error(errtype::kInternal, "file", path,
                "cannot write the tariff template cache " + path + ": " + std::strerror(error));
}

// Serialises merges, each of which reads, changes and rewrites the whole file: BILLmanager
// may import several tariff plans at once.
class MergeLock {
public:
    explicit MergeLock(const std::string& path) {
        try {
            ensure_directory(std::filesystem::path(path).parent_path().string(), "var directory");
        } catch (const Error&) {
            // the open below fails then too, with an error that names the cache file
        }
        fd_ = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0)
            cannot_write(path, errno);
        while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
        }
    }
    ~MergeLock() { ::close(fd_); }  // releases the lock
    MergeLock(const MergeLock&) = delete;
    MergeLock& operator=(const MergeLock&) = delete;

private:
    int fd_;
};

}  // namespace

bool offers_dns_validation(const std::optional<TariffTemplate>& tariff,
                           const std::string& dcv_methods_setting) {
    if (tariff && tariff->dns_validation)
        return *tariff->dns_validation;
    if (!trim(dcv_methods_setting).empty()) {
        const auto methods = split(lowercase(dcv_methods_setting), ", ");
        return std::find(methods.begin(), methods.end(), "dns") != methods.end();
    }
    return true;
}

const std::vector<std::string>& template_flags() {
    static const std::vector<std::string> flags = {"wildcard", "www",     "multidomain",
                                                   "idn",      "orginfo", "csraltname"};
    return flags;
}

void write_templates(XmlWriter& writer, const std::vector<TariffTemplate>& templates) {
    for (const auto& tariff : templates)
        write_template(writer, tariff, false);
}

bool TemplateCache::scan(const std::function<bool(TariffTemplate)>& visit) const {
    if (!file_exists(path_))
        return true;  // nothing imported yet
    Reader reader(xmlReaderForFile(path_.c_str(), nullptr,
                                   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
    if (!reader)
        return false;
    int status = 0;
    while ((status = xmlTextReaderRead(reader.get())) == 1) {
        if (xmlTextReaderNodeType(reader.get()) != XML_READER_TYPE_ELEMENT)
            continue;
        std::string name = reinterpret_cast<const char*>(xmlTextReaderConstLocalName(reader.get()));
        int depth = xmlTextReaderDepth(reader.get());
        if (depth == 0 && name != "templates")
            return false;
        if (depth == 1 && name == "template" && !visit(template_at(reader.get())))
            return true;
    }
    return status == 0;
}

std::vector<TariffTemplate> TemplateCache::read() const {
    std::vector<TariffTemplate> templates;
    bool whole = scan([&](TariffTemplate tariff) {
        templates.push_back(std::move(tariff));
        return true;
    });
    if (!whole)
        templates.clear();  // half a file would be believed as all there is
    return templates;
}

std::optional<TariffTemplate> TemplateCache::find(const std::string& name) const {
    std::optional<TariffTemplate> found;
    bool readable = scan([&](TariffTemplate tariff) {
        if (tariff.name == name)
            found = std::move(tariff);
        return !found;
    });
    return readable ? found : std::nullopt;
}

void TemplateCache::merge(const std::vector<TariffTemplate>& templates) const {
    MergeLock lock(path_);
    std::vector<TariffTemplate> all = read();
    std::map<std::string, size_t> position;
    for (size_t i = 0; i < all.size(); ++i)
        position[all[i].name] = i;
    for (const auto& tariff : templates) {
        auto known = position.find(tariff.name);
        if (known != position.end()) {
            all[known->second] = tariff;
        } else {
            position[tariff.name] = all.size();
            all.push_back(tariff);
        }
    }
    XmlWriter writer("templates");
    for (const auto& tariff : all)
        write_template(writer, tariff, true);
    AtomicFile file(path_, "the tariff template cache", 0644);
    file.write(writer.finish());
    file.commit();
}

}  // namespace pmb
