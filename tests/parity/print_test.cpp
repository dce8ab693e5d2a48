// Parity: Tensor::str() against Python's str(tensor). gen_print.py stores each
// case's input and the printed text; the case name says how to rebuild the
// printed tensor from the input (see gen_print.py).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "support/parity.h"

using namespace ember;
using ember::testing::ParityFile;

namespace {

// The same table as gen_print.py's OPTIONS.
std::map<std::string, PrintOptions> option_table() {
  return {
      {"short", PrintOptions::profile("short")},
      {"full", PrintOptions::profile("full")},
      {"prec2", {.precision = 2}},
      {"prec0", {.precision = 0}},
      {"prec8", {.precision = 8}},
      {"sci", {.sci_mode = true}},
      {"nosci", {.sci_mode = false}},
      {"thr5", {.threshold = 5}},
      {"edge1", {.threshold = 10, .edgeitems = 1}},
      {"lw40", {.linewidth = 40}},
      {"lw10", {.linewidth = 10}},
  };
}

// Applies the name's suffixes to the input; sets `opts` from a "__<opts>" ending.
Tensor rebuild(const std::string& name, Tensor t, PrintOptions& opts) {
  const size_t sep = name.find("__");
  const std::string base = name.substr(0, sep);
  if (sep != std::string::npos) {
    const auto table = option_table();
    auto it = table.find(name.substr(sep + 2));
    if (it == table.end()) throw std::runtime_error("unknown print options in case " + name);
    opts = it->second;
  }
  std::stringstream ss(base);
  std::string part;
  std::getline(ss, part, '_');  // the case's own name
  while (std::getline(ss, part, '_')) {
    if (part == "T")
      t = t.t();
    else if (part == "S")
      t = t.slice(1, std::nullopt, std::nullopt, 2);
    else if (part == "meta")
      t = empty(t.sizes(), {.dtype = t.dtype(), .device = kMeta});
    else if (part == "rg")
      t.requires_grad_(true);
    else
      throw std::runtime_error("unknown suffix '" + part + "' in case " + name);
  }
  return t;
}

// Restores the default print options however a case ends.
struct OptionsGuard {
  ~OptionsGuard() { set_printoptions({}); }
};

}  // namespace

TEST(print_parity, MatchesPyTorchCharacterForCharacter) {
  ParityFile f("print");
  const auto names = f.cases();
  const auto& texts = f.metadata();
  // Both halves of every case exist: no input without text, no text without input.
  std::set<std::string> with_input(names.begin(), names.end());
  for (const auto& [name, text] : texts)
    EXPECT_TRUE(with_input.count(name)) << "text for '" << name << "' has no input tensor";
  // gen_print.py writes this many cases; a dropped or added case must show up here.
  EXPECT_EQ(names.size(), 107u);
  int checked = 0;
  for (const auto& name : names) {
    auto it = texts.find(name);
    if (it == texts.end()) {
      ADD_FAILURE() << "case '" << name << "' has no printed text";
      continue;
    }
    OptionsGuard guard;
    try {
      PrintOptions opts;
      Tensor t = rebuild(name, f.get(name + "/in0"), opts);
      set_printoptions(opts);
      EXPECT_EQ(t.str(), it->second) << "case '" << name << "'";
      std::ostringstream os;
      os << t;
      EXPECT_EQ(os.str(), it->second) << "case '" << name << "' through operator<<";
      ++checked;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "case '" << name << "' threw: " << e.what();
    }
  }
  EXPECT_EQ(checked, static_cast<int>(names.size()));
}
