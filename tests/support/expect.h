#pragma once
// Test helpers shared by the unit tests.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "ember/core/error.h"

// fn's ember::Error message, or "no error".
inline std::string error_message(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ember::Error& e) {
    return e.what();
  }
  return "no error";
}

// EXPECT_THROW that also requires `substr` in the exception's message.
#define EXPECT_THROW_MSG(stmt, Err, substr)                                 \
  EXPECT_THROW(                                                             \
      {                                                                     \
        try {                                                               \
          stmt;                                                             \
        } catch (const Err& e_) {                                           \
          EXPECT_NE(std::string(e_.what()).find(substr), std::string::npos) \
              << "message was: " << e_.what();                              \
          throw;                                                            \
        }                                                                   \
      },                                                                    \
      Err)
