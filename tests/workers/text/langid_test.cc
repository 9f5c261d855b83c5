// LanguageIdentifier with the bundled model (models/langid.bin).
//
// Arabic news sentences marked "ANT" come from the ANT corpora (ar-ant:
// ANT Corpus v1.1, github.com/antcorpus/antcorpus.data; ar-multi: ANT Corpus
// v2.1 multi-source, github.com/antcorpus/antcorpus.multisource.data;
// Apache-2.0; Chouigui, Ben Khiroun & Elayeb). Every other sentence was
// written for qalam (testdata/langid_own_tests.tsv and the ones below).
#include "workers/text/langid.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

// Counts heap allocations, to check that Identify makes none. Not under
// sanitizers: they replace operator new themselves, and shared libraries
// would then pair their allocator with ours. (noinline: GCC 12 otherwise sees
// free() of an operator-new pointer once the replacement is inlined.)
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define QALAM_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define QALAM_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef QALAM_COUNT_ALLOCATIONS
#define QALAM_COUNT_ALLOCATIONS 1
#endif

std::atomic<int64_t> g_allocations{0};

#if QALAM_COUNT_ALLOCATIONS
__attribute__((noinline)) void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace qalam {
namespace text {
namespace {

using ::testing::AllOf;
using ::testing::Ge;
using ::testing::Le;

class LangidTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto id = LanguageIdentifier::Load(std::string(QALAM_SOURCE_DIR) + "/models/langid.bin");
    ASSERT_TRUE(id.ok()) << id.status();
    id_ = id->release();
  }
  static void TearDownTestSuite() {
    delete id_;
    id_ = nullptr;
  }

  static std::string Code(absl::string_view text) { return id_->Identify(text).code(); }

  static const LanguageIdentifier* id_;
};

const LanguageIdentifier* LangidTest::id_ = nullptr;

// ---------------------------------------------------------------- fixtures

std::vector<std::pair<std::string, std::string>> OwnTests() {
  std::ifstream in(std::string(QALAM_SOURCE_DIR) +
                   "/tests/workers/text/testdata/langid_own_tests.tsv");
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    out.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
  return out;
}

// ANT (ar-ant titles and leads, ar-multi sentences).
const char* const kAntArabic[] = {
    "اختتام الدورة 16 من المهرجان العربي للإذاعة والتلفزيون في الحمامات",
    "أسدل الستار مساء أمس السبت على الدورة 16 للمهرجان العربي للإذاعة والتلفزيون الذي "
    "انتظم بمدينة الحمامات انطلاقا من 12 ماي الجاري.",
    "الحمامات تستعد لمهرجان الألوان",
    "مهرجان الشعر العربي بالقيروان من 8 إلى 10 ديسمبر",
    "أصدرت صحيفة \"السفير\" اللبنانية واسعة الانتشار في لبنان والعالم العربي أمس السبت "
    "عددها الأخير معلنة توقفها عن الصدور جراء مصاعب مالية بعد 42 عاما على تأسيسها.",
    "التخفيض في أسعار تذاكر حفل ماجدة الرومي",
};

// ANT (ar-multi, Al Arabiya): Arabic articles quoting English names.
const char* const kAntArabicWithEnglishNames[] = {
    "كشفت صحيفة The Wallstreet Journal عن خطط #صندوق_الاستثمارات_العامة السعودي لشراء نحو "
    "10% في شركة Endeavor الأميركية مقابل 400 مليون دولار.",
    "وتعد Endeavor أكبر وكالة لاستقطاب المواهب في العالم، وتتضمن لائحة عملائها شخصيات "
    "عالمية من بينها Oprah Winfrey وDwayne Johnson وSerena Williams.",
    "على الرغم من أن Facebook ساهم في إثراء Brian Acton مؤسس تطبيق Whatsapp فهو يطالب من "
    "جميع مستخدمي موقع التواصل الاجتماعي Facebook بضرورة إلغاء حساباتهم الشخصية من على "
    "الموقع.",
    "وكان Facebook اشترى Whatsapp مقابل 16 مليار دولار، ما حوّل مؤسسي التطبيق لأصحاب ثروات "
    "طائلة.",
    "ولكن إذا كان البعض قلقا بشأن الشركات التي تستخدم البيانات الشخصية، فإنهم بحاجة إلى "
    "إزالة Facebook وTwitter وInstagram وSnapchat.",
    "وبحسب آبل فإن هذه المشكلة تؤثر على عدد محدود من نماذج iPhone 7 و iPhone 7 Plus.",
};

// Written for qalam.
const char* const kOwnEnglish[] = {
    "On Wednesday the central bank lifted its main lending rate, its fourth move since spring.",
    "Rescue crews kept digging through the mud for a third night after the floods.",
    "Shares In Tech Giants Slide As Investors Take Profits",
    "She said the negotiators would meet again in Geneva next week.",
    "Ministers Agree Deal On Fishing Quotas",
};

const char* const kOwnFrenchSpanishGerman[] = {
    "Le gouvernement prépare une réforme des retraites qui sera débattue à l'automne.",
    "Les pompiers ont maîtrisé l'incendie après une nuit de lutte acharnée.",
    "La policía detuvo ayer a tres sospechosos del robo en el museo.",
    "El equipo ganó el partido gracias a un penalti en el último minuto.",
    "Die Bahn kündigte für das Wochenende weitere Streiks im Fernverkehr an.",
    "Nach dem Unwetter bleiben viele Straßen im Süden des Landes gesperrt.",
};

// ---------------------------------------------------------------- behaviour

TEST_F(LangidTest, PassesTheProjectsOwnTestSentences) {
  const auto tests = OwnTests();
  ASSERT_GE(tests.size(), 60u) << "fixture testdata/langid_own_tests.tsv not found";
  for (const auto& [expected, text] : tests) {
    const LanguageResult r = id_->Identify(text);
    EXPECT_EQ(r.code(), expected) << text << " (conf " << r.confidence << ", margin " << r.margin
                                  << ")";
  }
}

TEST_F(LangidTest, IdentifiesEnglish) {
  for (const char* s : kOwnEnglish) {
    const LanguageResult r = id_->Identify(s);
    EXPECT_EQ(r.lang, Language::kEnglish) << s;
    EXPECT_GT(r.confidence, 0.9) << s;
  }
}

TEST_F(LangidTest, IdentifiesArabicNews) {
  for (const char* s : kAntArabic) {
    const LanguageResult r = id_->Identify(s);
    EXPECT_EQ(r.lang, Language::kArabic) << s;
    EXPECT_GT(r.confidence, 0.9) << s;
  }
}

TEST_F(LangidTest, ArabicQuotingEnglishNamesIsArabic) {
  for (const char* s : kAntArabicWithEnglishNames) {
    const LanguageResult r = id_->Identify(s);
    EXPECT_EQ(r.lang, Language::kArabic) << s;
    EXPECT_GT(r.confidence, 0.5) << s;
  }
}

TEST_F(LangidTest, EnglishQuotingArabicIsEnglish) {
  EXPECT_EQ(Code("The crowd chanted \"الشعب يريد إسقاط النظام\" in Tahrir Square on Friday "
                 "evening."),
            "en");
}

TEST_F(LangidTest, ArabicTypedOnAPersianKeyboardIsArabic) {
  // ANT (ar-multi, Al Arabiya): written with Farsi yeh and heh doachashmee.
  EXPECT_EQ(Code("في كرة القدم ھناك أمسیات یدونھا التاریخ وتحتفظ بھا الجغرافیا ویعتبرھا "
                 "الجمھور أم المباریات"),
            "ar");
  // ANT (ar-multi, CNN Arabic).
  EXPECT_EQ(Code("قررت الھیئة العامة للاتصالات وتقنیة المعلومات الكویتیة، حجب ما یسمى "
                 "بتطبیقات كشف الأرقام"),
            "ar");
}

TEST_F(LangidTest, PersianUrduKurdishPashtoAreNotArabic) {
  for (const char* s : {
           "این یک آزمایش ساده است و امروز هوا خوب بود.",     // fa
           "وزیر امور خارجه ایران امروز به مسکو سفر کرد.",    // fa
           "آج موسم بہت اچھا ہے اور لوگ باہر گھوم رہے ہیں۔",  // ur
           "وزیر اعظم نے کہا کہ حکومت عوام کے ساتھ ہے۔",      // ur
           "ئەمڕۆ کەشوهەوا زۆر خۆشە و خەڵک لە دەرەوەن.",      // ckb
           "نن ورځ هوا ښه ده او خلک بهر ګرځي.",               // ps
       }) {
    const LanguageResult r = id_->Identify(s);
    EXPECT_EQ(r.lang, Language::kUndetermined) << s;
    EXPECT_LT(r.margin, 0.0) << s;
  }
}

TEST_F(LangidTest, FrenchSpanishGermanAreNotEnglish) {
  for (const char* s : kOwnFrenchSpanishGerman) {
    const LanguageResult r = id_->Identify(s);
    EXPECT_EQ(r.lang, Language::kUndetermined) << s;
    EXPECT_GT(r.confidence, 0.9) << s;
  }
}

TEST_F(LangidTest, TooLittleTextIsUndeterminedWithZeroConfidence) {
  for (const char* s : {"", " \n\t ", "a", "Hi", "ok", "مع", "في", "OK!"}) {
    const LanguageResult r = id_->Identify(s);
    EXPECT_EQ(r.lang, Language::kUndetermined) << s;
    EXPECT_EQ(r.confidence, 0.0) << s;
  }
}

TEST_F(LangidTest, DigitsUrlsAndAddressesAloneAreUndetermined) {
  for (const char* s : {"12345 67890", "3.14 + 2,718 = 5.858 (100%)", "٢٠٢٤/٠١/٠١ ١٢:٣٠",
                        "https://www.bbc.co.uk/news/world-middle-east-12345678",
                        "www.example.com/arabic/news", "news@example.com @qalam_news",
                        "http://example.com https://example.org ftp://files.example.net"}) {
    const LanguageResult r = id_->Identify(s);
    EXPECT_EQ(r.lang, Language::kUndetermined) << s;
    EXPECT_EQ(r.confidence, 0.0) << s;
  }
  // URLs and digits around real text do not change its language.
  EXPECT_EQ(Code("Read more at https://www.bbc.co.uk/news/world-12345678 about the 2024 vote."),
            "en");
  EXPECT_EQ(Code("لمزيد من المعلومات زوروا موقعنا https://www.example.com/ar/news/2024"), "ar");
}

TEST_F(LangidTest, OtherScriptsAreUndeterminedWithTheirShareAsConfidence) {
  const LanguageResult r = id_->Identify("Правительство объявило о новых мерах сегодня.");
  EXPECT_EQ(r.lang, Language::kUndetermined);
  EXPECT_DOUBLE_EQ(r.confidence, 1.0);  // every letter is Cyrillic
  EXPECT_EQ(Code("政府今天宣布了新的经济措施。"), "und");
}

TEST_F(LangidTest, LanguageCodes) {
  EXPECT_STREQ(LanguageCode(Language::kArabic), "ar");
  EXPECT_STREQ(LanguageCode(Language::kEnglish), "en");
  EXPECT_STREQ(LanguageCode(Language::kUndetermined), "und");
  EXPECT_STREQ(LanguageResult().code(), "und");
}

TEST_F(LangidTest, ConfidenceIsAlwaysInTheUnitInterval) {
  std::vector<std::string> texts;
  for (const auto& t : OwnTests()) texts.push_back(t.second);
  for (const char* s : kAntArabic) texts.push_back(s);
  for (const char* s : kAntArabicWithEnglishNames) texts.push_back(s);
  for (const std::string& t : std::vector<std::string>(texts)) {
    for (size_t k = 1; k < t.size(); k += 3) texts.push_back(t.substr(0, k));  // prefixes
  }
  for (const std::string& t : texts) {
    const LanguageResult r = id_->Identify(t);
    EXPECT_THAT(r.confidence, AllOf(Ge(0.0), Le(1.0))) << t;
  }
}

TEST_F(LangidTest, LongerTextIsMoreConfident) {
  const std::string one = "Police said the man was arrested late last night. ";
  std::string many;
  for (int i = 0; i < 20; ++i) many += one;
  const LanguageResult short_r = id_->Identify("Police said");
  const LanguageResult long_r = id_->Identify(many);
  EXPECT_EQ(long_r.lang, Language::kEnglish);
  EXPECT_GT(long_r.confidence, 0.999);
  EXPECT_LT(short_r.confidence, long_r.confidence);
}

// kAntArabic `times` times over, one sentence a line: ~500 n-grams a round.
std::string LongArabic(int times) {
  std::string out;
  for (int i = 0; i < times; ++i) {
    for (const char* s : kAntArabic) (out += s) += '\n';
  }
  return out;
}

std::string LongOwn(const char* const* begin, const char* const* end, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) {
    for (const char* const* s = begin; s != end; ++s) (out += *s) += ' ';
  }
  return out;
}

TEST_F(LangidTest, LongArabicOrEnglishStopsOnceDecisive) {
  const double min_ngrams = static_cast<double>(LanguageIdentifier::kStopMinNgrams);
  const std::string ar = LongArabic(20);  // ~10,000 n-grams
  const LanguageResult r = id_->Identify(ar);
  EXPECT_EQ(r.lang, Language::kArabic);
  EXPECT_GE(r.confidence, LanguageIdentifier::kStopConfidence);
  // Arabic n-grams all have full weight: ngrams is the count scored.
  EXPECT_GE(r.ngrams, min_ngrams);
  EXPECT_LT(r.ngrams, 2 * min_ngrams);
  // What follows the decisive beginning is not read, even in another
  // language: the result is the same to the last bit.
  const std::string en = LongOwn(std::begin(kOwnEnglish), std::end(kOwnEnglish), 40);
  const LanguageResult r2 = id_->Identify(ar + "\n" + en);
  EXPECT_EQ(r2.lang, r.lang);
  EXPECT_EQ(r2.confidence, r.confidence);
  EXPECT_EQ(r2.margin, r.margin);
  EXPECT_EQ(r2.ngrams, r.ngrams);

  const LanguageResult e = id_->Identify(en);  // ~12,000 n-grams
  EXPECT_EQ(e.lang, Language::kEnglish);
  EXPECT_GE(e.confidence, LanguageIdentifier::kStopConfidence);
  EXPECT_LT(e.ngrams, 2 * min_ngrams);
}

TEST_F(LangidTest, ShortTextsAndUndAreReadWhole) {
  // Below kStopMinNgrams n-grams nothing changes: doubling a short text
  // doubles the n-grams scored.
  const std::string s = kAntArabic[1];
  const LanguageResult one = id_->Identify(s);
  const LanguageResult two = id_->Identify(s + "\n" + s);
  ASSERT_LT(two.ngrams, static_cast<double>(LanguageIdentifier::kStopMinNgrams));
  EXPECT_EQ(two.ngrams, 2 * one.ngrams);
  // A long text that is not ar/en is read to the end.
  const std::string fr =
      LongOwn(std::begin(kOwnFrenchSpanishGerman), std::end(kOwnFrenchSpanishGerman), 20);
  const LanguageResult f1 = id_->Identify(fr);
  const LanguageResult f2 = id_->Identify(fr + fr);
  EXPECT_EQ(f1.lang, Language::kUndetermined);
  EXPECT_EQ(f2.lang, Language::kUndetermined);
  EXPECT_GT(f1.ngrams, 4 * static_cast<double>(LanguageIdentifier::kStopMinNgrams));
  EXPECT_EQ(f2.ngrams, 2 * f1.ngrams);
}

TEST_F(LangidTest, IdentifyArticleStopsWhereIdentifyDoes) {
  const std::string ar = LongArabic(20);
  const std::string en = LongOwn(std::begin(kOwnEnglish), std::end(kOwnEnglish), 40);
  const std::pair<std::string, std::string> articles[] = {
      {ar, en},                 // stops within the title
      {"Ministers", en},        // within the text
      {kAntArabic[0], ar},      // within the text
      {en.substr(0, 200), en},  // the first check spans the title/text boundary
  };
  for (const auto& [title, text] : articles) {
    const LanguageResult a = id_->IdentifyArticle(title, text);
    const LanguageResult b = id_->Identify(title + "\n" + text);
    EXPECT_EQ(a.lang, b.lang) << title.substr(0, 40);
    EXPECT_EQ(a.confidence, b.confidence) << title.substr(0, 40);
    EXPECT_EQ(a.margin, b.margin) << title.substr(0, 40);
    EXPECT_EQ(a.ngrams, b.ngrams) << title.substr(0, 40);
  }
}

TEST_F(LangidTest, IdentifyArticleIsIdentifyOfTitleNewlineText) {
  const std::pair<const char*, const char*> articles[] = {
      {"Ministers Agree Deal On Fishing Quotas", "The deal was reached after talks."},
      {kAntArabic[0], kAntArabic[1]},
      {"", "Stocks fell sharply on Monday."},
      {"Breaking", ""},
      {"word", "continues"},  // no word may run across the title/text boundary
      {"www.example.com", "@mention"},
  };
  for (const auto& [title, text] : articles) {
    const LanguageResult a = id_->IdentifyArticle(title, text);
    const LanguageResult b = id_->Identify(std::string(title) + "\n" + text);
    EXPECT_EQ(a.lang, b.lang) << title;
    EXPECT_EQ(a.confidence, b.confidence) << title;
    EXPECT_EQ(a.margin, b.margin) << title;
    EXPECT_EQ(a.ngrams, b.ngrams) << title;
  }
}

TEST_F(LangidTest, SurvivesInvalidUtf8) {
  // Bad bytes read as separators: the words around them still count.
  EXPECT_EQ(Code("Police said the man was arrested\xff late last\xc3 night.\xe2\x82"), "en");
  EXPECT_EQ(Code("قال الرئيس\x80 إن الحكومة ستعلن\xd8 خطة جديدة."), "ar");
  // Overlong forms, surrogates, stray continuation bytes, truncated tails.
  for (const char* s : {"\xc0\xa0", "\xe0\x80\xa0", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80\x80",
                        "\xf0\x9f\x98", "abc\xe2", "\xd8", "\xc2"}) {
    const LanguageResult r = id_->Identify(s);
    EXPECT_EQ(r.lang, Language::kUndetermined);
  }
  // Random bytes, and random cuts of real text (a cut can split a code point).
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 64, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    const LanguageResult r = id_->Identify(s);
    EXPECT_THAT(r.confidence, AllOf(Ge(0.0), Le(1.0)));
  }
  const std::string ar = kAntArabic[1];
  for (size_t k = 0; k <= ar.size(); ++k) {
    // Exactly k bytes in their own buffer, so that ASan sees any overread.
    std::vector<char> buf(ar.begin(), ar.begin() + static_cast<std::ptrdiff_t>(k));
    const LanguageResult r = id_->Identify(absl::string_view(buf.data(), buf.size()));
    EXPECT_THAT(r.confidence, AllOf(Ge(0.0), Le(1.0)));
  }
}

TEST_F(LangidTest, MakesNoHeapAllocation) {
  if (!QALAM_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocations are not counted under sanitizers";
  std::vector<std::string> texts;
  for (const auto& t : OwnTests()) texts.push_back(t.second);
  for (const char* s : kAntArabicWithEnglishNames) texts.push_back(s);
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += kAntArabic[1];
  texts.push_back(long_text);
  double sum = 0;
  const int64_t before = g_allocations.load();
  for (const std::string& t : texts) {
    sum += id_->Identify(t).confidence;
    sum += id_->IdentifyArticle(t, t).confidence;
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_GT(sum, 0.0);
  // The counter does see allocations.
  void* probe = ::operator new(100);
  EXPECT_GT(g_allocations.load() - before, 0);
  ::operator delete(probe);
}

TEST_F(LangidTest, IsSafeForConcurrentUse) {
  std::vector<std::string> texts;
  for (const auto& t : OwnTests()) texts.push_back(t.second);
  for (const char* s : kAntArabic) texts.push_back(s);
  std::vector<LanguageResult> expected;
  for (const std::string& t : texts) expected.push_back(id_->Identify(t));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int th = 0; th < 4; ++th) {
    threads.emplace_back([&, th] {
      for (int round = 0; round < 50; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          const LanguageResult r = id_->Identify(texts[i]);
          if (r.lang != expected[i].lang || r.confidence != expected[i].confidence) {
            ++mismatches[static_cast<size_t>(th)];
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(mismatches, ::testing::Each(0));
}

}  // namespace
}  // namespace text
}  // namespace qalam
