#include "workers/text/stopwords.h"

#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_split.h"
#include "common/hash.h"

namespace qalam {
namespace text {
namespace {

// Normalised forms: no diacritics, أ إ آ -> ا, ى -> ي, ة kept.
constexpr char kArabic[] =
    "في من الي علي عن مع ان انه انها انهم انني اني لان لانه كان كانت كانوا "
    "يكون تكون يكن تكن ليس ليست لست لسنا لم لن لا ما ماذا مما ممن هذا هذه "
    "هذان هاتان هؤلاء ذلك تلك ذاك اولئك الذي التي الذين اللذين اللتين اللاتي "
    "اللواتي اللتان اللذان هو هي هم هن هما انا نحن انت انتم انتن كل بعض غير "
    "بين حتي اذا اذ اذن قد لقد ثم او ام بل لكن لكنه كما كذلك مثل عند عندما "
    "حيث حين منذ خلال بعد قبل امام فوق تحت حول دون ضد عبر لدي لدينا اي ايضا "
    "فقط جدا هناك هنا اين كيف متي لماذا هل نحو وفق وفقا الا سوف اما انما "
    "عليه عليها عليهم فيه فيها فيهم منه منها منهم له لها لهم لنا لي لك به "
    "بها بهم عنه عنها عنهم اليه اليها اليهم ذات ذو ذي كلا كلتا اخري اخر "
    "قال قالت يقول تقول وقال وقالت اضاف اضافت واضاف واضافت اكد اكدت "
    "حسب لدي ضمن لدي بينما الذي عدة عدد مدي لدي يتم تم ثمة هنالك سواء "
    "كي لكي حتي كأن وان فان بان لان وهو وهي وقد ولا وما وفي ومن وعلي "
    "والتي والذي وذلك وهذا وهذه وكان وكانت ولم ولن ثم ايا اياه ايها "
    // Added for summaries and keywords (workers/summarize): weekdays, number
    // words, more reporting verbs ("اوضح", "ذكرت", "كشف") and their و-forms,
    // and common function words the summariser's recipe treats as stop words.
    "ابدا اثنين احد احدي اربعة اشار اشارت اصبح اصبحت اطار اعتقد اقل اكثر "
    "الاثنين الاحد الاربعاء الثلاثاء الجمعة الخميس السبت العام الف اليوم "
    "امر امس اوضح اول بات باتت بحسب بشكل تزال تعبيره ثلاثة جانب حال حد "
    "خمسة ذكر ذكرت ربما زال صار صارت ظل عام عما فيما قط كانا كشف كلما "
    "كنا كنت لانها لايزال لديه لديها لذلك لكنها لما لهذا ليكون مازال "
    "مليون نعم نفس واحد واشار واشارت واكد والي واوضح واول واي وايضا "
    "وبحسب وبعد وبين وتقول وتم وحتي وخلال وذكر وذكرت وسوف وعن وفيما وقبل "
    "وكشف وكل وكما ولدي ولكن وليس ومثل ومع ومنذ وهنا وهناك ويذكر ويشار "
    "ويقول يذكر يزال يشار يكونوا يمكن يوم";

constexpr char kEnglish[] =
    "a about above after again against all am an and any are aren't as at be "
    "because been before being below between both but by can cannot could "
    "couldn't did didn't do does doesn't doing don't down during each few for "
    "from further had hadn't has hasn't have haven't having he he'd he'll "
    "he's her here here's hers herself him himself his how how's i i'd i'll "
    "i'm i've if in into is isn't it it's its itself let's me more most "
    "mustn't my myself no nor not of off on once only or other ought our ours "
    "ourselves out over own same shan't she she'd she'll she's should "
    "shouldn't so some such than that that's the their theirs them themselves "
    "then there there's these they they'd they'll they're they've this those "
    "through to too under until up upon very was wasn't we we'd we'll we're "
    "we've were weren't what what's when when's where where's which while who "
    "who's whom why why's will with won't would wouldn't you you'd you'll "
    "you're you've your yours yourself yourselves also said says say just "
    "may might must shall would could us one its via per "
    // Added for summaries and keywords (workers/summarize): the rest of the
    // summariser recipe's list (scikit-learn-style function words, contraction
    // fragments, and news filler: told like get made new year years mr ...).
    "across afterwards almost alone along already although always among "
    "amongst another anyhow anyone anything anyway anywhere around back "
    "became become becomes becoming beforehand behind beside besides "
    "beyond couldn d didn doesn don done eg either else elsewhere enough "
    "etc even ever every everyone everything everywhere except former "
    "formerly get got hence hereafter hereby herein hereupon however ie "
    "indeed isn last latter latterly least less like ll m made make many "
    "meanwhile mine moreover mostly mr mrs ms much namely neither never "
    "nevertheless new next nobody none noone nothing now nowhere often "
    "onto others otherwise perhaps please rather re s seem seemed "
    "seeming seems several shouldn since somehow someone something "
    "sometime sometimes somewhere still t thence thereafter thereby "
    "therefore therein thereupon though throughout thru thus together "
    "told toward towards ve wasn well weren whatever whence whenever "
    "whereafter whereas whereby wherein whereupon wherever whether "
    "whither whoever whole whose within without won wouldn year years "
    "yet";

}  // namespace

namespace internal {

StopTable::StopTable() {
  std::memset(slots, 0, sizeof(slots));
  for (const char* list : {kArabic, kEnglish}) {
    for (absl::string_view w : absl::StrSplit(list, ' ', absl::SkipEmpty())) {
      uint64_t h = Hash64(w);
      if (h == 0) continue;  // cannot happen for these words; 0 marks empty
      if (slots[Slot1(h)] == h || slots[Slot2(h)] == h) continue;  // listed twice
      // Cuckoo insertion: take a free slot of the two, or evict the hash in
      // the first and move it to its other slot, and so on. At this load
      // (about a third) a few moves at most are needed.
      uint32_t slot = Slot1(h);
      for (int moves = 0;; ++moves) {
        if (slots[Slot1(h)] == 0) slot = Slot1(h);
        else if (slots[Slot2(h)] == 0) slot = Slot2(h);
        std::swap(h, slots[slot]);
        if (h == 0) break;
        if (moves > 1000) std::abort();  // a table too small for the lists
        slot = slot == Slot1(h) ? Slot2(h) : Slot1(h);
      }
    }
  }
  // Empty slots get a value that no lookup can match: one whose two slots
  // are both the next slot, never this one. A hash equal to it would have
  // been looked up there, not here. So IsStopWordHash needs no test for an
  // empty slot (nor for a hash of 0, which slot 0 never holds).
  for (uint32_t i = 0; i < kSlots; ++i) {
    if (slots[i] == 0) {
      const uint64_t next = (i + 1) & (kSlots - 1);
      slots[i] = next | next << 32;
    }
  }
}

const StopTable kStopTable;

}  // namespace internal

bool IsStopWord(absl::string_view norm) { return IsStopWordHash(Hash64(norm)); }

}  // namespace text
}  // namespace qalam
