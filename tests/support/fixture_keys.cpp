#include "fixture_keys.h"

#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "process.h"

#ifndef PMTEST_KEYS_DIR
#error "PMTEST_KEYS_DIR must name the folder of the fixture keys"
#endif

namespace pmtest {
namespace {

constexpr size_t kPoolSize = 32;

std::vector<std::string> load_pool() {
    std::vector<std::string> keys;
    for (size_t i = 0; i < kPoolSize; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "/rsa2048-%02zu.pem", i);
        std::string pem = read_file(std::string(PMTEST_KEYS_DIR) + name);
        if (pem.find("-----BEGIN PRIVATE KEY-----") == std::string::npos)
            throw std::runtime_error(std::string("no fixture key in ") + PMTEST_KEYS_DIR + name);
        keys.push_back(std::move(pem));
    }
    return keys;
}

const std::vector<std::string>& pool() {
    static const std::vector<std::string> keys = load_pool();
    return keys;
}

}  // namespace

size_t fixture_key_count() {
    return pool().size();
}

const std::string& fixture_key_pem(size_t n) {
    return pool()[n % pool().size()];
}

const std::string& next_fixture_key_pem() {
    static std::atomic<size_t> next{0};
    return fixture_key_pem(next++);
}

}  // namespace pmtest
