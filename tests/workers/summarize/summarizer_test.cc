#include "workers/summarize/summarizer.h"

#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workers/summarize/df_table.h"
#include "workers/summarize/train/trainer.h"
#include "workers/text/analyzer.h"
#include "workers/text/stopwords.h"

namespace qalam {
namespace summarize {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// The bundled models (models/ is committed; the tests need nothing else).
const Summarizer& Models() {
  static const Summarizer* s = [] {
    auto r = Summarizer::LoadFromDir(std::string(QALAM_SOURCE_DIR) + "/models");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->release() : nullptr;
  }();
  return *s;
}

struct Article {
  std::string title, text;
};

class Summarised {
 public:
  Summarised(Language lang, const Article& a, SummaryOptions options = SummaryOptions()) : a_(a) {
    EXPECT_TRUE(analyzer_.Analyze(a_.title, &title_).ok());
    EXPECT_TRUE(analyzer_.Analyze(a_.text, &body_).ok());
    Models().Summarize(lang, title_, body_, options, &scratch_, &summary_);
    Models().Keywords(lang, title_, body_, 10, &scratch_, &keywords_);
  }
  const Summary& summary() const { return summary_; }
  const std::vector<std::string>& keywords() const { return keywords_; }
  size_t sentences() const { return body_.sentences().size(); }
  std::string sentence(size_t i) const {
    const text::Sentence& s = body_.sentences()[i];
    return std::string(body_.text().substr(s.begin, s.end - s.begin));
  }

 private:
  Article a_;
  text::Analyzer analyzer_;
  text::AnalyzedText title_, body_;
  SummarizerScratch scratch_;
  Summary summary_;
  std::vector<std::string> keywords_;
};

// An English article of our own (en-cnn and en-bbc text may not be
// committed).
const Article kFerry = {
    "Solar ferry begins service on Lake Victoria",
    "KAMPALA -- A solar-powered ferry began carrying passengers across Lake Victoria on "
    "Monday, the first boat of its kind on the lake.\n"
    "The solar ferry, built by a boat yard in Entebbe, can carry 120 passengers and runs on "
    "batteries charged by panels on its roof.\n"
    "Transport minister Grace Okello said the solar ferry would cut fuel costs for island "
    "communities.\n"
    "Fishermen on the Ssese Islands have long depended on diesel boats, which are expensive "
    "and often unsafe.\n"
    "\"We used to pay twice as much for the crossing,\" said Sarah Nakato, a trader from the "
    "Ssese Islands.\n"
    "The boat yard plans to build three more solar ferries next year if the first one proves "
    "reliable.\n"
    "Lake Victoria is Africa's largest lake and is shared by Uganda, Kenya and Tanzania.\n"};

TEST(Summarizer, ChoosesKSentencesInArticleOrder) {
  Summarised r(Language::kEnglish, kFerry);
  ASSERT_EQ(r.sentences(), 7u);
  ASSERT_EQ(r.summary().sentences.size(), 3u);
  EXPECT_TRUE(std::is_sorted(r.summary().sentences.begin(), r.summary().sentences.end()));
  std::vector<std::string> parts;
  for (uint32_t i : r.summary().sentences) parts.push_back(r.sentence(i));
  std::string joined = absl::StrJoin(parts, " ");
  if (r.summary().sentences[0] == 0) {
    // The dateline goes from the text, not from the sentence list.
    EXPECT_THAT(r.summary().text, StartsWith("A solar-powered ferry"));
    joined = joined.substr(std::string("KAMPALA -- ").size());
  }
  EXPECT_EQ(r.summary().text, joined);
}

TEST(Summarizer, ShortArticlesGetAllTheirSentences) {
  Summarised r(Language::kEnglish, {"", "The bridge reopened on Friday. Traffic was light."});
  EXPECT_THAT(r.summary().sentences, ElementsAre(0, 1));
  EXPECT_EQ(r.summary().text, "The bridge reopened on Friday. Traffic was light.");
  Summarised none(Language::kArabic, {"", ""});
  EXPECT_TRUE(none.summary().sentences.empty());
  EXPECT_EQ(none.summary().text, "");
  EXPECT_TRUE(none.keywords().empty());
}

TEST(Summarizer, TextWithoutSentenceBoundariesIsOneSentence) {
  Summarised r(Language::kArabic, {"", "اجتماع للوزراء في العاصمة لبحث الأزمة الاقتصادية"});
  EXPECT_THAT(r.summary().sentences, ElementsAre(0));
  EXPECT_EQ(r.summary().text, "اجتماع للوزراء في العاصمة لبحث الأزمة الاقتصادية");
  // A long run-on text is cut in summary_text (at a comma in the second
  // half of the first 120 words, here), and marked with an ellipsis.
  std::string words;
  for (int i = 0; i < 300; ++i)
    absl::StrAppend(&words, i == 0 ? "" : " ", "word", i % 50, i == 100 ? "," : "");
  Summarised long_one(Language::kEnglish, {"", words});
  EXPECT_THAT(long_one.summary().sentences, ElementsAre(0));
  EXPECT_THAT(long_one.summary().text, StartsWith("word0 word1 word2"));
  EXPECT_TRUE(absl::EndsWith(long_one.summary().text, "word0\xE2\x80\xA6"))
      << long_one.summary().text;
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(long_one.summary().text, ' ')).size(), 101u);
}

TEST(Summarizer, DoesNotChooseNearDuplicates) {
  const std::string lead =
      "The central bank raised interest rates by half a point on Tuesday to fight inflation.";
  Article a{"Central bank raises interest rates",
            lead + "\nShops in the capital reported fewer customers over the weekend.\n" + lead +
                "\nThe governor said further increases were possible this year.\n"
                "Farmers complained about the price of fertiliser and diesel.\n" +
                lead + "\nAnalysts expect the currency to strengthen against the dollar.\n"};
  Summarised r(Language::kEnglish, a);
  ASSERT_EQ(r.summary().sentences.size(), 3u);
  int copies = 0;
  for (uint32_t i : r.summary().sentences) copies += r.sentence(i) == lead;
  EXPECT_EQ(copies, 1) << absl::StrJoin(r.summary().sentences, ",");
  // With the check off, the copies win.
  SummaryOptions off;
  off.duplicate_cosine = 2;
  Summarised without(Language::kEnglish, a, off);
  int copies_without = 0;
  for (uint32_t i : without.summary().sentences) copies_without += without.sentence(i) == lead;
  EXPECT_GT(copies_without, 1);
}

TEST(Summarizer, StripsDatelinesFromTheSummaryText) {
  Summarised en(Language::kEnglish,
                {"",
                 "LONDON (Reuters) - British inflation rose to 4 percent in March.\n"
                 "Food prices drove most of the increase."});
  EXPECT_THAT(en.summary().sentences, ElementsAre(0, 1));
  EXPECT_EQ(en.summary().text,
            "British inflation rose to 4 percent in March. Food prices drove most of the "
            "increase.");
  Summarised ar(Language::kArabic,
                {"",
                 "دبي، الإمارات العربية المتحدة (CNN) -- أعلنت هيئة الطيران عن افتتاح مطار جديد.\n"
                 "وسيستقبل المطار أول رحلاته الشهر المقبل."});
  EXPECT_THAT(ar.summary().sentences, ElementsAre(0, 1));
  EXPECT_EQ(ar.summary().text,
            "أعلنت هيئة الطيران عن افتتاح مطار جديد. وسيستقبل المطار أول رحلاته الشهر المقبل.");
}

TEST(Summarizer, AvoidsHeadlinesBylinesCaptionsAndBoilerplate) {
  Article en{"Floods hit northern towns",
             "Floods hit northern towns\n"
             "By Jane Smith, CNN\n"
             "Image caption Rescuers search the river banks\n"
             "Heavy rain flooded three towns in the north of the country on Sunday, forcing "
             "hundreds of families from their homes.\n"
             "Rescue teams used boats to reach villages cut off by the rising river.\n"
             "The weather service said more rain was expected until Wednesday.\n"
             "Officials opened schools as shelters for the families who lost their homes.\n"
             "Read more: how the floods of last year changed the river towns\n"
             "Follow us on Twitter for updates on the floods in the northern towns.\n"};
  Summarised r(Language::kEnglish, en);
  ASSERT_EQ(r.summary().sentences.size(), 3u);
  for (uint32_t i : r.summary().sentences) {
    EXPECT_GE(i, 3u) << r.sentence(i);
    EXPECT_LE(i, 6u) << r.sentence(i);
  }
  Article ar{"فيضانات في المدن الشمالية",
             "فيضانات في المدن الشمالية\n"
             "مصدر الصورة Getty Images\n"
             "غمرت الأمطار الغزيرة ثلاث مدن في شمال البلاد يوم الأحد، وأجبرت مئات العائلات على "
             "مغادرة منازلها.\n"
             "واستخدمت فرق الإنقاذ القوارب للوصول إلى القرى التي عزلها ارتفاع منسوب النهر.\n"
             "اقرأ أيضا: كيف غيرت فيضانات العام الماضي المدن الشمالية\n"
             "شاهد: لحظة انهيار الجسر بسبب الفيضانات في المدن الشمالية\n"};
  SummaryOptions two;
  two.sentences = 2;
  Summarised a(Language::kArabic, ar, two);
  EXPECT_THAT(a.summary().sentences, ElementsAre(2, 3));
}

TEST(Summarizer, RatioChoosesAShareOfTheSentences) {
  SummaryOptions o;
  o.ratio = 0.3;
  EXPECT_EQ(Summarizer::SentencesFor(o, 10), 3);
  EXPECT_EQ(Summarizer::SentencesFor(o, 11), 4);  // ceil
  EXPECT_EQ(Summarizer::SentencesFor(o, 1), 1);
  o.ratio = 0.01;
  EXPECT_EQ(Summarizer::SentencesFor(o, 10), 1);  // at least min_sentences
  o.ratio = 1;
  EXPECT_EQ(Summarizer::SentencesFor(o, 500), 10);  // at most max_sentences
  o.ratio = 0.5;
  Summarised r(Language::kEnglish, kFerry, o);
  EXPECT_EQ(r.summary().sentences.size(), 4u);  // ceil(0.5 * 7)
}

// Keywords are surface forms: no stop word alone, no two that differ only by
// case or a clitic.
void ExpectCleanKeywords(const std::vector<std::string>& kw) {
  std::set<std::string> seen;
  for (const std::string& k : kw) {
    ASSERT_FALSE(k.empty());
    std::string key = k;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // Clitic + article variants share a key.
    for (const char* p : {"\xD9\x88\xD8\xA7\xD9\x84", "\xD8\xA8\xD8\xA7\xD9\x84",
                          "\xD9\x81\xD8\xA7\xD9\x84", "\xD9\x83\xD8\xA7\xD9\x84"}) {
      // والـ بالـ فالـ كالـ before a word of 2+ letters are stripped.
      const std::string first_word = k.substr(0, k.find(' '));
      EXPECT_FALSE(absl::StartsWith(k, p) && first_word.size() > 8) << k;
    }
    if (absl::StartsWith(key, "\xD8\xA7\xD9\x84")) key = key.substr(4);  // ال
    EXPECT_TRUE(seen.insert(key).second) << "duplicate keyword " << k;
    if (k.find(' ') == std::string::npos) {
      EXPECT_FALSE(text::IsStopWord(key)) << k;
    }
  }
}

TEST(Keywords, EnglishArticle) {
  Summarised r(Language::kEnglish, kFerry);
  const auto& kw = r.keywords();
  EXPECT_EQ(kw.size(), 10u);
  EXPECT_THAT(kw, Contains("Lake Victoria"));
  EXPECT_THAT(kw, Contains("Ssese Islands"));
  EXPECT_THAT(kw, Contains("boat yard"));
  EXPECT_THAT(absl::StrJoin(kw, "|"), HasSubstr("solar ferr"));
  EXPECT_THAT(kw, Not(Contains("said")));
  ExpectCleanKeywords(kw);
}

std::vector<CorpusRecord> Sample() {
  std::vector<CorpusRecord> out;
  EXPECT_TRUE(ForEachRecord(std::string(QALAM_SOURCE_DIR) + "/examples/sample.jsonl",
                            [&out](const CorpusRecord& r) { out.push_back(r); })
                  .ok());
  return out;
}

TEST(Keywords, ArabicArticlesOfTheSample) {
  const std::vector<CorpusRecord> sample = Sample();
  ASSERT_EQ(sample.size(), 200u);
  ASSERT_EQ(sample[0].id, "BB-culture-1-20180218");
  Summarised first(Language::kArabic, {sample[0].title, sample[0].text});
  EXPECT_THAT(first.keywords(), Contains("أشرف غريب"));
  EXPECT_THAT(first.keywords(), Contains("الممثلين اليهود"));
  EXPECT_THAT(first.keywords(), Contains("ليلى مراد"));
  for (const CorpusRecord& rec : sample) {
    SCOPED_TRACE(rec.id);
    Summarised r(Language::kArabic, {rec.title, rec.text});
    EXPECT_GE(r.keywords().size(), 3u);
    EXPECT_LE(r.keywords().size(), 10u);
    ExpectCleanKeywords(r.keywords());
    ASSERT_FALSE(r.summary().sentences.empty());
  }
}

TEST(Keywords, ClitcVariantsCollapse) {
  Summarised r(Language::kArabic,
               {"الحكومة تعلن خطة جديدة",
                "أعلنت الحكومة خطة للإصلاح. وقالت والحكومة ماضية في الخطة. ورحبت الأحزاب بالحكومة "
                "الجديدة. وطالبت النقابات للحكومة بالحوار."});
  int government = 0;
  for (const std::string& k : r.keywords()) {
    government += k.find("\xD8\xAD\xD9\x83\xD9\x88\xD9\x85\xD8\xA9") != std::string::npos;  // حكومة
  }
  EXPECT_EQ(government, 1) << absl::StrJoin(r.keywords(), " ; ");
  EXPECT_THAT(r.keywords(), Contains("الحكومة"));
}

TEST(DfTableBuilder, RebuildsTheTablesOfAModelFromACorpus) {
  // What `qalam train` can do with a user's corpus (see df_table.h).
  const SummaryModel& base = Models().model(Language::kArabic);
  DfTableBuilder builder(&base.lexicon());
  text::Analyzer analyzer;
  text::AnalyzedText title, body;
  for (const CorpusRecord& rec : Sample()) {
    ASSERT_TRUE(analyzer.Analyze(rec.title, &title).ok());
    ASSERT_TRUE(analyzer.Analyze(rec.text, &body).ok());
    builder.AddDocument(title, body);
  }
  std::unique_ptr<SummaryModel> mine =
      base.WithTables(builder.BuildStemDf(), builder.BuildPhraseDf(), base.lexicon().Copy());
  EXPECT_EQ(mine->phrase_df().num_docs(), 200u);
  const std::string path = "/tmp/qalam_summarize_test_mine.bin";
  ASSERT_TRUE(mine->Save(path).ok());
  auto loaded = SummaryModel::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->weights(), base.weights());
  auto en = SummaryModel::Load(std::string(QALAM_SOURCE_DIR) + "/models/summarize-en.bin");
  ASSERT_TRUE(en.ok());
  auto summarizer = Summarizer::Create(std::move(loaded).value(), std::move(en).value());
  ASSERT_TRUE(summarizer.ok()) << summarizer.status();
  std::remove(path.c_str());
  const std::vector<CorpusRecord> sample = Sample();
  ASSERT_TRUE(analyzer.Analyze(sample[0].title, &title).ok());
  ASSERT_TRUE(analyzer.Analyze(sample[0].text, &body).ok());
  SummarizerScratch scratch;
  std::vector<std::string> kw;
  (*summarizer)->Keywords(Language::kArabic, title, body, 10, &scratch, &kw);
  EXPECT_THAT(kw, Contains("أشرف غريب"));
  // Models of the wrong language are refused.
  auto swapped = Summarizer::Create(
      std::move(SummaryModel::Load(std::string(QALAM_SOURCE_DIR) + "/models/summarize-en.bin"))
          .value(),
      std::move(SummaryModel::Load(std::string(QALAM_SOURCE_DIR) + "/models/summarize-ar.bin"))
          .value());
  EXPECT_EQ(swapped.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Summarizer, SafeForConcurrentUseWithOwnScratch) {
  const std::vector<CorpusRecord> sample = Sample();
  auto run_all = [&sample](std::vector<std::string>* out) {
    text::Analyzer analyzer;
    text::AnalyzedText title, body;
    SummarizerScratch scratch;
    Summary summary;
    std::vector<std::string> kw;
    for (const CorpusRecord& rec : sample) {
      (void)analyzer.Analyze(rec.title, &title);
      (void)analyzer.Analyze(rec.text, &body);
      Models().Summarize(Language::kArabic, title, body, SummaryOptions(), &scratch, &summary);
      Models().Keywords(Language::kArabic, title, body, 10, &scratch, &kw);
      out->push_back(absl::StrCat(absl::StrJoin(summary.sentences, ","), "|", summary.text, "|",
                                  absl::StrJoin(kw, ";")));
    }
  };
  std::vector<std::string> one, a, b;
  run_all(&one);
  std::thread ta(run_all, &a), tb(run_all, &b);
  ta.join();
  tb.join();
  EXPECT_EQ(a, one);
  EXPECT_EQ(b, one);
}

}  // namespace
}  // namespace summarize
}  // namespace qalam
