#include "common/cli.h"

#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace qalam {

FlagSet::FlagSet(std::string usage, std::string description)
    : usage_(std::move(usage)), description_(std::move(description)) {}

void FlagSet::String(const char* name, std::string* dst, const char* help,
                     const char* value_name, char short_name) {
  Flag f;
  f.name = name;
  f.short_name = short_name;
  f.value_name = value_name;
  f.help = help;
  f.default_text = dst->empty() ? "" : *dst;
  f.set = [dst](absl::string_view v) {
    *dst = std::string(v);
    return absl::OkStatus();
  };
  flags_.push_back(std::move(f));
}

void FlagSet::StringList(const char* name, std::vector<std::string>* dst,
                         const char* help, const char* value_name,
                         char short_name) {
  Flag f;
  f.name = name;
  f.short_name = short_name;
  f.value_name = value_name;
  f.help = absl::StrCat(help, " (repeatable)");
  f.default_text = absl::StrJoin(*dst, ",");
  // The first value given replaces the defaults; later ones extend the list.
  auto cleared = std::make_shared<bool>(false);
  f.set = [dst, cleared](absl::string_view v) {
    if (!*cleared) {
      dst->clear();
      *cleared = true;
    }
    dst->push_back(std::string(v));
    return absl::OkStatus();
  };
  flags_.push_back(std::move(f));
}

void FlagSet::Int(const char* name, int64_t* dst, const char* help,
                  const char* value_name, char short_name) {
  Flag f;
  f.name = name;
  f.short_name = short_name;
  f.value_name = value_name;
  f.help = help;
  f.default_text = absl::StrCat(*dst);
  std::string flag_name = name;
  f.set = [dst, flag_name](absl::string_view v) {
    int64_t x;
    if (!absl::SimpleAtoi(v, &x)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag_name, ": expected an integer, got '", v, "'"));
    }
    *dst = x;
    return absl::OkStatus();
  };
  flags_.push_back(std::move(f));
}

void FlagSet::Double(const char* name, double* dst, const char* help,
                     const char* value_name) {
  Flag f;
  f.name = name;
  f.value_name = value_name;
  f.help = help;
  f.default_text = absl::StrCat(*dst);
  std::string flag_name = name;
  f.set = [dst, flag_name](absl::string_view v) {
    double x;
    if (!absl::SimpleAtod(v, &x)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag_name, ": expected a number, got '", v, "'"));
    }
    *dst = x;
    return absl::OkStatus();
  };
  flags_.push_back(std::move(f));
}

void FlagSet::Bool(const char* name, bool* dst, const char* help) {
  Flag f;
  f.name = name;
  f.help = help;
  f.is_bool = true;
  f.default_text = *dst ? "true" : "";
  std::string flag_name = name;
  f.set = [dst, flag_name](absl::string_view v) {
    bool x;
    if (!absl::SimpleAtob(v, &x)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag_name, ": expected true or false, got '", v, "'"));
    }
    *dst = x;
    return absl::OkStatus();
  };
  flags_.push_back(std::move(f));
}

FlagSet::Flag* FlagSet::Find(absl::string_view name) {
  for (Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

FlagSet::Flag* FlagSet::FindShort(char c) {
  for (Flag& f : flags_) {
    if (f.short_name != 0 && f.short_name == c) return &f;
  }
  return nullptr;
}

absl::Status FlagSet::Parse(int argc, char** argv, int first,
                            std::vector<std::string>* positional) {
  bool flags_done = false;
  for (int i = first; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      positional->push_back(std::string(arg));
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      return absl::OkStatus();
    }
    Flag* flag = nullptr;
    absl::string_view value;
    bool has_value = false;
    if (arg[1] == '-') {
      absl::string_view body = arg.substr(2);
      size_t eq = body.find('=');
      absl::string_view name = body.substr(0, eq);
      if (eq != absl::string_view::npos) {
        value = body.substr(eq + 1);
        has_value = true;
      }
      flag = Find(name);
      if (flag == nullptr && !has_value && absl::StartsWith(name, "no-")) {
        Flag* neg = Find(name.substr(3));
        if (neg != nullptr && neg->is_bool) {
          absl::Status s = neg->set("false");
          if (!s.ok()) return s;
          continue;
        }
      }
      if (flag == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown flag '--", name, "' (see --help)"));
      }
    } else {
      if (arg.size() != 2 || (flag = FindShort(arg[1])) == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown flag '", arg, "' (see --help)"));
      }
    }
    if (!has_value) {
      if (flag->is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", flag->name, " needs a value (",
                         flag->value_name, ")"));
      }
    }
    absl::Status s = flag->set(value);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string FlagSet::Help() const {
  std::string out = absl::StrCat("usage: ", usage_, "\n");
  if (!description_.empty()) absl::StrAppend(&out, "\n", description_, "\n");
  if (!flags_.empty()) absl::StrAppend(&out, "\nflags:\n");
  for (const Flag& f : flags_) {
    std::string head = "  ";
    if (f.short_name != 0) absl::StrAppend(&head, "-", std::string(1, f.short_name), ", ");
    absl::StrAppend(&head, "--", f.name);
    if (!f.is_bool) absl::StrAppend(&head, " ", f.value_name);
    absl::StrAppend(&out, head);
    if (head.size() < 28) {
      out.append(28 - head.size(), ' ');
    } else {
      absl::StrAppend(&out, "\n", std::string(28, ' '));
    }
    absl::StrAppend(&out, f.help);
    if (!f.default_text.empty()) absl::StrAppend(&out, " [default: ", f.default_text, "]");
    out.push_back('\n');
  }
  absl::StrAppend(&out, "  -h, --help                show this help\n");
  return out;
}

}  // namespace qalam
