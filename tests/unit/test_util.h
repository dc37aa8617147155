// Small file helpers for unit tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace pmtest {

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void write_text(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

inline std::string temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pmbunitXXXXXX").string();
    return mkdtemp(tmpl.data());
}

inline std::string data_file(const std::string& name) {
    return read_text(std::string(TEST_DATA_DIR) + "/" + name);
}

}  // namespace pmtest
