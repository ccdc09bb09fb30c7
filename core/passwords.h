// Passwords and random credentials: Argon2id through libsodium's crypto_pwhash, and random
// ids and tokens from the operating system's generator.
//
// libsodium rather than the reference libargon2: its crypto_pwhash_str writes the standard
// encoded string ($argon2id$v=19$m=...,t=...,p=...$salt$hash) with a random salt, its
// verify compares in constant time, it tells when a stored hash was made with weaker
// parameters than today's (crypto_pwhash_str_needs_rehash), and it wipes its working memory.
//
// Thread safety: safe from any thread. Hashing takes about 19 MiB and tens of milliseconds:
// never call it on the engine's writer or a server's I/O thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace brandledger {

// At least this many characters (code points, not bytes).
inline constexpr std::size_t kMinPasswordChars = 8;
// A longer one is refused: hashing cost must not be the caller's to choose.
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// Argon2id at OWASP's minimum (Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1).
struct PasswordCost {
  unsigned long long ops = 2;
  std::size_t memory_bytes = 19u << 20;
};

// The encoded Argon2id hash of `password`, with a fresh random salt. Throws
// std::runtime_error when the memory cannot be had.
std::string hash_password(std::string_view password, PasswordCost cost = {});

// Whether `password` matches the encoded hash (false for a malformed one), in constant time.
bool verify_password(std::string_view encoded, std::string_view password);

// `bytes` random bytes as lower-case hex (2 * bytes characters).
std::string random_hex(std::size_t bytes);

// Constant-time equality of two strings of the same length (false for other lengths).
bool secrets_equal(std::string_view a, std::string_view b);

}  // namespace brandledger
