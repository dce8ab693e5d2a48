// Module printing: torch.nn.Module.__repr__ and _addindent, line for line.
#include <sstream>

#include "ember/nn/module.h"

namespace ember::nn {

namespace {

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string line;
  while (std::getline(ss, line, '\n')) out.push_back(line);
  if (!s.empty() && s.back() == '\n') out.push_back("");
  return out;
}

// Indents every line but the first by n spaces.
std::string add_indent(const std::string& s, int n) {
  const auto lines = split_lines(s);
  if (lines.size() <= 1) return s;
  std::string out = lines[0];
  for (size_t i = 1; i < lines.size(); ++i) {
    out += '\n';
    out.append(static_cast<size_t>(n), ' ');
    out += lines[i];
  }
  return out;
}

}  // namespace

std::string Module::str() const {
  const std::string extra = extra_repr();
  std::vector<std::string> extra_lines;
  if (!extra.empty()) extra_lines = split_lines(extra);
  std::vector<std::string> child_lines;
  for (const auto& [key, m] : children_) {
    std::string line = "(";
    line += key;
    line += "): ";
    line += add_indent(m ? m->str() : "None", 2);
    child_lines.push_back(std::move(line));
  }
  std::string out = name() + "(";
  if (!extra_lines.empty() || !child_lines.empty()) {
    if (extra_lines.size() == 1 && child_lines.empty()) {
      out += extra_lines[0];
    } else {
      out += "\n";
      for (const auto* lines : {&extra_lines, &child_lines})
        for (const auto& l : *lines) {
          out += "  ";
          out += l;
          out += '\n';
        }
    }
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.str(); }

}  // namespace ember::nn
