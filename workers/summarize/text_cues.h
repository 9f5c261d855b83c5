// Surface cues of news sentences that the summariser uses: leading datelines
// and source tags ("LONDON (Reuters) -", "دبي، الإمارات العربية المتحدة (CNN)
// --"), boilerplate ("Read more", "هذا المقال بقلم ..."), bylines and photo
// captions. Hand-written matchers over UTF-8, equivalent to the regular
// expressions of the summariser recipe (no regex engine on the hot path).
//
// Pure functions: thread-safe. Inputs are single sentences (no line breaks),
// valid UTF-8.
#ifndef QALAM_WORKERS_SUMMARIZE_TEXT_CUES_H_
#define QALAM_WORKERS_SUMMARIZE_TEXT_CUES_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace qalam {
namespace summarize {

// The number of bytes of `sentence` taken by a leading dateline or source
// tag, with the dashes, colons and spaces after it; 0 when there is none or
// when nothing would remain after it. Two forms are recognised:
//   [PLACE] [-] (AGENCY) [- -- – — :]*   PLACE: capitalised Latin words
//       ("LONDON", "Marietta, Georgia") or up to 61 Arabic letters, spaces and
//       commas ("دبي، الإمارات العربية المتحدة"); AGENCY one of CNN Reuters AP
//       AFP BBC UPI Bloomberg dpa DPA Xinhua ANSA EFE PA رويترز أ ف ب د ب أ وام
//       قنا سبأ;
//   ALL-CAPS PLACE followed by " -- ", " - ", " – " or " — " ("WASHINGTON -- ").
// "The World Health Organization (WHO) - ..." and "He said (CNN) -- ..." are
// not datelines.
size_t DatelineLength(absl::string_view sentence);

// True when the sentence is boilerplate: it starts with "Read more", "Click
// here", "Follow us", "Sign up", "Subscribe", "Related", "See also", "More
// on", "Watch:", "Video:", "Photo(s):", "Image:", "Editor's note", "اقرأ",
// "شاهد:", "قد يهمك", "نقلا عن", "تابعوا"; or contains "All rights reserved",
// "Copyright ©", "do not necessarily reflect/represent", "The opinions
// expressed", "Getty Images", a http(s):// or www. address, "هذا المقال
// بقلم", "نشر هذا المقال", "لا تعكس بالضرورة", "التوقيت: غرينتش".
// ASCII letters match in any case.
bool IsBoilerplate(absl::string_view sentence);

// True for a byline ("By Jane Smith, CNN", "بقلم ...") or a photo caption
// line ("Image caption ...", "Photo: ...", "مصدر الصورة ...", "صورة: ...").
// `words` is the sentence's number of word tokens: only short "By ..." lines
// count as bylines ("By the end of the year, ..." is a sentence).
bool IsBylineOrCaption(absl::string_view sentence, size_t words);

}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_TEXT_CUES_H_
