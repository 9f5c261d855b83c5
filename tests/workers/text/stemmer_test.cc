#include "workers/text/stemmer.h"

#include <cstring>
#include <random>
#include <vector>
#include <string>

#include "common/hash.h"
#include "gtest/gtest.h"
#include "workers/text/english_stem_impl.h"
#include "workers/text/stopwords.h"

namespace qalam {
namespace text {
namespace {

std::string Ar(absl::string_view w) {
  StemSpan s = StemArabic(w);
  return std::string(w.substr(s.skip, s.len));
}
std::string En(absl::string_view w) {
  StemSpan s = StemEnglish(w);
  return std::string(w.substr(s.skip, s.len));
}

TEST(ArabicStemmer, StripsArticlesAndConjunction) {
  EXPECT_EQ(Ar("الكتاب"), "كتاب");
  EXPECT_EQ(Ar("والكتاب"), "كتاب");
  EXPECT_EQ(Ar("بالمدينه"), "مدين");
  EXPECT_EQ(Ar("للطلاب"), "طلاب");
  EXPECT_EQ(Ar("وقال"), "قال");
}

TEST(ArabicStemmer, StripsSuffixes) {
  EXPECT_EQ(Ar("المعلمون"), "معلم");
  EXPECT_EQ(Ar("المعلمين"), "معلم");
  EXPECT_EQ(Ar("سياراتها"), "سيار");
  EXPECT_EQ(Ar("العربية"), "عرب");
}

TEST(ArabicStemmer, KeepsAMinimumStem) {
  EXPECT_EQ(Ar("بيت"), "بيت");     // no lone ب stripped
  EXPECT_EQ(Ar("فلسطين"), "فلسط");  // ف kept (only ين removed)
  EXPECT_EQ(Ar("وهو"), "وهو");     // too short to strip و
  EXPECT_EQ(Ar("الي"), "ال");      // Light10: at least 2 letters remain
  // Words of fewer than 3 letters, and none (tatweel alone normalises to
  // nothing), go through every step unchanged.
  for (const char* w : {"", "ه", "ي", "هه", "ية", "يه", "ها"}) {
    const StemSpan s = StemArabicLetters(w);
    EXPECT_EQ(s.skip, 0u) << w;
    EXPECT_EQ(s.len, std::strlen(w)) << w;
  }
}

TEST(ArabicStemmer, LeavesNonArabicWordsAlone) {
  EXPECT_EQ(Ar("cnn"), "cnn");
  EXPECT_EQ(Ar("الـcnn"), "الـcnn");
}

// Light10 as stemmer.h states it, on strings: the reference for the
// stemmer's computed prefix and suffix steps.
std::string ArReference(const std::string& w) {
  const size_t n = w.size() / 2;
  if (n < 3) return w;
  size_t b = 0, e = n;
  auto letters_at = [&](size_t i, const char* s) {
    return w.compare(2 * i, std::strlen(s), s) == 0;
  };
  if (letters_at(0, "و") && n >= 4) b = 1;
  for (const char* prefix : {"وال", "بال", "كال", "فال", "لل", "ال"}) {
    const size_t k = std::strlen(prefix) / 2;
    if (e - b >= k + 2 && letters_at(b, prefix)) {
      b += k;
      break;
    }
  }
  for (const char* suffix : {"ها", "ان", "ات", "ون", "ين", "يه", "ية"}) {
    if (e - b >= 4 && letters_at(e - 2, suffix)) e -= 2;
  }
  for (const char* suffix : {"ه", "ة", "ي"}) {
    if (e - b >= 3 && letters_at(e - 1, suffix)) e -= 1;
  }
  return w.substr(2 * b, 2 * (e - b));
}

TEST(ArabicStemmer, MatchesTheReference) {
  // Every word of up to 5 letters over the letters of the affixes and two
  // others, then random longer words, many ending in suffix chains.
  const std::vector<std::string> alphabet = {"ا", "ل", "و", "ب", "ك", "ف", "ه",
                                             "ت", "ن", "ي", "ة", "ر", "س"};
  size_t checked = 0;
  std::vector<std::string> words = {""};
  for (int len = 1; len <= 5; ++len) {
    std::vector<std::string> longer;
    for (const std::string& w : words) {
      for (const std::string& l : alphabet) longer.push_back(w + l);
    }
    words.swap(longer);
    for (const std::string& w : words) {
      ASSERT_EQ(Ar(w), ArReference(w)) << w;
      ++checked;
    }
  }
  std::mt19937 rng(7);
  const char* const tails[] = {"", "ها", "اتها", "ينها", "ونها", "يةه", "يةي", "ياتها", "انين",
                               "يهي", "ةي", "يةية", "اتين", "ونيه", "هي"};
  for (int i = 0; i < 200000; ++i) {
    std::string w;
    const int len = static_cast<int>(rng() % 9);
    for (int k = 0; k < len; ++k) w += alphabet[rng() % alphabet.size()];
    w += tails[rng() % (sizeof(tails) / sizeof(tails[0]))];
    ASSERT_EQ(Ar(w), ArReference(w)) << w;
    ++checked;
  }
  EXPECT_GT(checked, 400000u);
}

TEST(EnglishStemmer, PluralsAndVerbForms) {
  EXPECT_EQ(En("cats"), "cat");
  EXPECT_EQ(En("classes"), "class");
  EXPECT_EQ(En("ponies"), "poni");
  EXPECT_EQ(En("running"), "run");
  EXPECT_EQ(En("talked"), "talk");
  EXPECT_EQ(En("quickly"), "quick");
  EXPECT_EQ(En("obama's"), "obama");
  EXPECT_EQ(En("news"), "new");
  EXPECT_EQ(En("bus"), "bus");
  EXPECT_EQ(En("sing"), "sing");
  EXPECT_EQ(En("café"), "café");
}

// The analyser's branch-free English stemmer against the reference, on
// every word of 4 to 6 letters over an alphabet that makes every suffix
// rule fire (and fail), and on random longer words, each preceded by
// arbitrary bytes (which the fast stemmer must ignore).
TEST(EnglishStemmer, BranchFreeVersionAgreesWithTheReference) {
  const std::string alphabet = "aesingdlyuzbtc";
  std::mt19937 rng(7);
  auto check = [&](const std::string& word) {
    const uint32_t n = static_cast<uint32_t>(word.size());
    const uint32_t expect = StemEnglishLetters(word).len;
    const bool candidate = internal::EnglishStemCandidate(
        static_cast<unsigned char>(word[n - 2]), static_cast<unsigned char>(word[n - 1]), n);
    ASSERT_TRUE(candidate || expect == n) << word;
    if (!candidate) return;
    char buf[32];
    for (char& c : buf) c = static_cast<char>(rng());
    std::memcpy(buf + 16, word.data(), n);
    uint32_t first_vowel = 16;
    for (uint32_t i = 0; i < n && first_vowel == 16; ++i) {
      const char c = word[i];
      if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || (c == 'y' && i > 0)) {
        first_vowel = i;
      }
    }
    const uint64_t t = LoadLe64(reinterpret_cast<const unsigned char*>(buf) + 16 + n - 8);
    ASSERT_EQ(internal::StemEnglishTail(t, n, first_vowel), expect) << word;
  };
  std::string w;
  for (int len = 4; len <= 6; ++len) {
    w.assign(static_cast<size_t>(len), 'a');
    std::vector<size_t> digit(static_cast<size_t>(len), 0);
    for (;;) {
      for (int i = 0; i < len; ++i) w[static_cast<size_t>(i)] = alphabet[digit[static_cast<size_t>(i)]];
      check(w);
      int i = 0;
      while (i < len && ++digit[static_cast<size_t>(i)] == alphabet.size()) digit[static_cast<size_t>(i++)] = 0;
      if (i == len) break;
    }
  }
  // Every pair of last letters, after random beginnings over a-z: the
  // candidate test looks at both.
  for (char prev = 'a'; prev <= 'z'; ++prev) {
    for (char last = 'a'; last <= 'z'; ++last) {
      for (int k = 0; k < 40; ++k) {
        std::string x;
        const int len = 2 + static_cast<int>(rng() % 9);
        for (int i = 0; i < len; ++i) x += static_cast<char>('a' + rng() % 26);
        check(x + prev + last);
      }
    }
  }
  const char* suffixes[] = {"s", "es", "ses", "sses", "ies", "ing", "ed", "eed", "ly", "ings",
                            "eds", "tting", "lled", "zzed", "ssing", "ying", "yed", "ys"};
  for (int k = 0; k < 300000; ++k) {
    std::string x;
    const int len = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < len; ++i) x += alphabet[rng() % alphabet.size()];
    x += suffixes[rng() % (sizeof(suffixes) / sizeof(suffixes[0]))];
    if (x.size() >= 4 && x.size() <= 15) check(x);
  }
}

TEST(StopWords, BothLanguages) {
  EXPECT_TRUE(IsStopWord("في"));
  EXPECT_TRUE(IsStopWord("الي"));  // إلى normalised
  EXPECT_TRUE(IsStopWord("the"));
  EXPECT_TRUE(IsStopWord("said"));
  EXPECT_FALSE(IsStopWord("قطر"));
  EXPECT_FALSE(IsStopWord("bitcoin"));
}

TEST(StopWords, EmptySlotsMatchNoHash) {
  // Empty slots hold i | i << 32 for the next slot i: no lookup may match
  // them, nor the hash 0 of punctuation tokens.
  EXPECT_FALSE(IsStopWordHash(0));
  for (uint64_t i = 0; i < internal::StopTable::kSlots; ++i) {
    EXPECT_FALSE(IsStopWordHash(i | i << 32)) << i;
  }
  EXPECT_TRUE(IsStopWordHash(Hash64(absl::string_view("the"))));
}

}  // namespace
}  // namespace text
}  // namespace qalam
