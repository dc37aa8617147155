// The whole issued-file reader, as sync_item applies it to what the upstream sends: the bytes
// as certificate.file's answer (a download, a document or a list of files); each list row is
// answered (certificate.file.edit) by the next piece of the input, pieces split at a line
// "--8<--"; then every file is read for certificates (zip, PEM, PKCS#7 in PEM, DER or base64,
// DER certificates, keys), with no key and with the key of the last piece (a CSR or private
// key) as the one the leaf must carry. Property: no private key ever reaches the result.
#include <cstdlib>
#include <vector>

#include "fuzz_input.h"
#include "lifecycle/certificate_file.h"
#include "upstream/response.h"

using namespace pmb;
using namespace pmb::upstream;

namespace {

const std::string kOrigin = "https://upstream.example";
const std::string kSeparator = "\n--8<--\n";

std::vector<std::string> pieces_of(const std::string& input) {
    std::vector<std::string> pieces;
    size_t start = 0;
    for (size_t at; (at = input.find(kSeparator, start)) != std::string::npos;
         start = at + kSeparator.size())
        pieces.push_back(input.substr(start, at - start));
    pieces.push_back(input.substr(start));
    return pieces;
}

void read_as_certificates(const IssuedFile& file, const std::string& leaf_key) {
    pmfuzz::refusing_is_fine([&] {
        IssuedCertificate issued = read_issued_file(file, leaf_key);
        if (issued.pem().find("PRIVATE KEY") != std::string::npos || issued.certificate.empty())
            std::abort();
        issued.covers("www.example.com");
        issued.name_list();
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::vector<std::string> pieces = pieces_of(pmfuzz::as_text(data, size));
    IssuedFile file;
    pmfuzz::refusing_is_fine([&] {
        FileAnswer answer = parse_file_answer(200, pieces[0], kOrigin);
        file = answer.file;
        size_t next = 1;
        for (const FileRow& row : answer.rows) {
            const std::string body = next < pieces.size() ? pieces[next++] : "<doc/>";
            pmfuzz::refusing_is_fine([&] {
                file.files.push_back(parse_file_row(parse_document(200, body, kOrigin), row));
            });
        }
    });
    read_as_certificates(file, "");
    read_as_certificates(file, leaf_public_key(pieces.back(), pieces.back()));
    return 0;
}
