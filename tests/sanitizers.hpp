// kUnderSanitizer: the test build runs under AddressSanitizer or ThreadSanitizer (the native-asan
// and native-tsan presets), where code runs 10-50x slower. Tests that train to an accuracy target
// run a shorter version of the same path there (the sanitizers check memory and threads on every
// line of it); the target itself is checked by the native and wasm builds.
#pragma once

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ATTN_TEST_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ATTN_TEST_UNDER_SANITIZER 1
#endif
#endif
#ifndef ATTN_TEST_UNDER_SANITIZER
#define ATTN_TEST_UNDER_SANITIZER 0
#endif

namespace attn::test {
inline constexpr bool kUnderSanitizer = ATTN_TEST_UNDER_SANITIZER != 0;
}  // namespace attn::test
