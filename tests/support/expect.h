#pragma once
// Test helpers shared by the unit tests.
#include <gtest/gtest.h>

#include <string>

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
