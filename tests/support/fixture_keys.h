// RSA 2048 keys made once (tests/data/keys), for fixtures whose key is not what is tested:
// generating one costs about 180 ms, and every order and every World needed some.
#pragma once

#include <cstddef>
#include <string>

namespace pmtest {

// The number of keys in the pool.
size_t fixture_key_count();
// The n-th key of the pool (n modulo its size), PKCS#8 PEM ("BEGIN PRIVATE KEY").
const std::string& fixture_key_pem(size_t n);
// The pool's keys in turn, shared by the whole process: calls in a row give different keys
// (the same key comes back only after fixture_key_count() calls).
const std::string& next_fixture_key_pem();

}  // namespace pmtest
