"""The reader's vocabulary: word lists and regular-expression fragments over normalised text.

Text here is the output of :func:`medground.claims.text.normalize` after the reader has put
``img`` for every word naming the picture (image, slice, scan, view, frame, photo, ...),
``pat`` for the patient or body, and ``§N`` for the N-th structure mention.
"""

from __future__ import annotations

import functools
import re
from typing import Final

#: words that name the picture itself
IMAGE_NOUNS: Final = ("field of view", "fov", "image", "images", "picture", "slice", "scan",
                      "section", "view", "frame", "photo", "photograph", "micrograph", "field",
                      "film", "radiograph", "screen", "display", "panel", "figure", "snapshot",
                      "still", "shot", "image plane", "cross section", "tile", "patch")
#: words that name the patient's body as a frame
PATIENT_NOUNS: Final = ("patient", "body", "subject", "person")

NUMBERS: Final = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                  "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
ORDINALS: Final = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
                   "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}
NUM: Final = "|".join(k for k in NUMBERS if k != "one")
ORD: Final = "|".join(ORDINALS)

# --- fragments (every fragment starts and ends on a token) ---------------------------------
D: Final = r"(?:(?:the|this|that|its|an|a) )?"
OFIMG: Final = r"(?:of|in|on|within|across|inside) (?:(?:the|this|that|our) )?img"
PATP: Final = r"(?:(?:the|this) )?pat 's "
OFPAT: Final = r"(?:of|in|on) (?:(?:the|this) )?pat"
LEAD: Final = (r"(?:(?:located|lying|situated|seen|found|sitting|placed|positioned|visible|"
               r"appearing|present|shown|that (?:is|lies|sits)|which (?:is|lies|sits)|"
               r"is|lies|sits) )?")
PREP: Final = (r"(?:on|in|at|toward|to|along|by|within|into|over|across|from|inside|"
               r"near|close to|around|out toward|off to)")
AXIS_WORDS: Final = r"(?:top|bottom|upper|lower|left|right|middle|center|central|mid)"
CELL: Final = (rf"(?:(?:far|very|extreme|outer) )?{AXIS_WORDS}(?: hand)?"
               rf"(?: {AXIS_WORDS}(?: hand)?)?")
PART: Final = (r"(?:side|half|halves|part|portion|region|area|aspect|zone|sector|quadrant|"
               r"corner|edge|border|margin|third|end|field)")
PART_EXTENT: Final = {"half": "half", "halves": "half", "quadrant": "half", "third": "third",
                      "corner": "corner", "edge": "edge", "border": "edge", "margin": "edge",
                      "end": "edge"}

PATIENT_DIR_WORDS: Final = {"anterior": "anterior", "posterior": "posterior",
                            "superior": "superior", "inferior": "inferior",
                            "cranial": "superior", "caudal": "inferior", "ventral": "anterior",
                            "dorsal": "posterior", "cephalad": "superior", "front": "anterior"}
PDIR: Final = r"(?:anterior|posterior|superior|inferior|cranial|caudal|ventral|dorsal)"

SIZE_WORDS: Final = {
    "largest": ("large", "superlative"), "biggest": ("large", "superlative"),
    "greatest": ("large", "superlative"), "smallest": ("small", "superlative"),
    "tiniest": ("small", "superlative"), "least": ("small", "superlative"),
    "larger": ("large", "comparative"), "bigger": ("large", "comparative"),
    "greater": ("large", "comparative"), "smaller": ("small", "comparative"),
    "lesser": ("small", "comparative"), "tinier": ("small", "comparative"),
    "small": ("small", "absolute"), "tiny": ("small", "absolute"),
    "little": ("small", "absolute"), "minute": ("small", "absolute"),
    "smallish": ("small", "absolute"), "large": ("large", "absolute"),
    "big": ("large", "absolute"), "huge": ("large", "absolute"),
    "sizable": ("large", "absolute"), "sizeable": ("large", "absolute"),
    "bulky": ("large", "absolute"), "massive": ("large", "absolute"),
    "giant": ("large", "absolute"), "enormous": ("large", "absolute"),
    "largish": ("large", "absolute"),
}

#: (regex, shape value); checked in this order
SHAPE_PATTERNS: Final[tuple[tuple[str, str], ...]] = (
    (r"ring (?:shaped|like)|annular|donut shaped|doughnut shaped|rim like", "ring"),
    (r"crescent(?:ic)?(?: shaped| like)?|semilunar|half moon shaped|sickle shaped|c shaped",
     "crescent"),
    (r"irregular(?:ly)?(?: (?:shaped|outlined|contoured|margined|bordered|in shape))?|spiky|"
     r"spiked|spiculated|spiculate|stellate|star shaped|star like|jagged|ragged|uneven",
     "irregular"),
    (r"(?:multi)?lobulated|lobular|(?:multi|bi)?lobed|bumpy|lumpy|knobbly|knobby|scalloped",
     "lobulated"),
    (r"elongated?|oblong|tubular|cigar shaped|sausage shaped|rod shaped|linear", "elongated"),
    (r"oval(?: shaped)?|ovoid|ovalish|elliptical|ellipsoid(?:al)?|egg shaped|egg like|"
     r"almond shaped", "oval"),
    (r"perfectly round|round(?:ed|ish)?(?: shaped)?|circular|spherical|disc shaped|disk shaped|"
     r"disc like|disk like|coin shaped|coin like|ball like|globular", "round"),
)

#: (regex, value, term); checked in this order
INTENSITY_PATTERNS: Final[tuple[tuple[str, str, str], ...]] = (
    (r"hypo ?dense|hypo ?attenuating|low (?:density|attenuation|attenuating)", "dark", "density"),
    (r"hyper ?dense|hyper ?attenuating|high (?:density|attenuation|attenuating)", "bright",
     "density"),
    (r"iso ?dense|iso ?attenuating", "iso", "density"),
    (r"hypo ?intense|low signal(?: intensity)?|signal poor", "dark", "signal"),
    (r"hyper ?intense|high signal(?: intensity)?|signal rich", "bright", "signal"),
    (r"iso ?intense", "iso", "signal"),
    (r"hypo ?echoic|an ?echoic", "dark", "echo"),
    (r"hyper ?echoic|echogenic", "bright", "echo"),
    (r"iso ?echoic", "iso", "echo"),
    (r"dense|radiodense|radiopaque|opaque|calcified", "bright", "density"),
    (r"lucent|radiolucent", "dark", "density"),
)

#: words that state a position, size, shape, count, intensity or relation: one left over
#: after reading means the reader could not check what the query says
TRIGGERS: Final = frozenset("""
left right top bottom upper lower middle mid center central centrally side sided half corner
edge border margin periphery peripheral peripherally quadrant third near nearer nearest close
closer closest far farther further furthest farthest above below under beneath underneath over
behind front beside besides alongside next adjacent between among inside within around
surrounding surrounds encircling containing contains large larger largest small smaller smallest
big bigger biggest tiny tiniest little huge giant massive bulky sizable sizeable size sized
round rounded roundish circular oval ovoid shape shaped irregular irregularly lobulated lobular
elongated oblong tubular crescent ring annular spiculated smooth serpiginous branching bright
brighter brightest dark darker darkest dense density hypodense hyperdense isodense intense
intensity hypointense hyperintense isointense signal attenuation enhancing echoic hypoechoic
hyperechoic both all every each pair paired several multiple many few numerous two three four
five six seven eight nine ten eleven twelve second fourth fifth sixth seventh eighth ninth tenth
last most more less least anterior posterior superior inferior cranial caudal ventral dorsal
medial lateral proximal distal midline higher highest lowest uppermost topmost lowermost
bottommost leftmost rightmost horizontal vertical oblique diagonal thick thin wide narrow long
short tall deep superficial inner outer apical basal other another same opposite contralateral
ipsilateral bilateral pale light heavier lighter wider longer shorter thinner thicker denser
rounder leftwards rightwards upward upwards downward downwards adjoining abutting bordering
touching contact vicinity proximity distant away remote ill heterogeneous homogeneous
heterogeneously homogeneously cystic solid necrotic septated mottled speckled textured granular
red reddish pink pinkish brown brownish black blackish blue bluish green greenish yellow
yellowish purple purplish violet white whitish grey gray greyish grayish tan orange beige
colored coloured hue shade tone dimmer minuscule diminutive miniature enlarged medium
intermediate moderate
""".split())  # noqa: SIM905 (a word list reads better as text)
#: negations the reader scopes only as "not <claim>"; others make the wording unverifiable
NEGATIONS: Final = frozenset({"not", "no", "without", "except", "excluding", "excepting",
                              "neither", "nor", "non", "isn't", "aren't", "never", "none",
                              "nothing", "lacking", "absent", "besides"})
#: words that soften a claim without changing what it says
HEDGES: Final = frozenset({"possibly", "probably", "likely", "apparently", "presumably",
                           "seemingly", "suspected", "approximately", "roughly", "about",
                           "nearly", "almost", "somewhat", "slightly", "fairly", "rather",
                           "mostly", "mainly", "predominantly", "largely", "partly",
                           "partially", "relatively", "quite", "generally", "broadly",
                           "clearly", "distinctly", "markedly", "very", "somewhere",
                           "appears", "appear", "seems", "seem", "might", "may", "could",
                           "noticeably", "considerably", "significantly", "substantially",
                           "much", "obviously", "visibly", "perfectly", "focal"})
#: filler words a claim phrase may be introduced by ("which lies", "that is")
LEAD_WORDS: Final = frozenset({"located", "lying", "situated", "seen", "found", "sitting",
                               "placed", "positioned", "visible", "appearing", "present",
                               "shown", "that", "which", "is", "are", "lies", "sits", "lie",
                               "sit", "being", "one", "ones"})


def rx(body: str) -> re.Pattern[str]:
    """A pattern that matches whole tokens only."""
    return re.compile(rf"(?<!\S)(?:{body})(?!\S)")


@functools.lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Every word of this vocabulary (for the English check of the format stage)."""
    words: set[str] = set(TRIGGERS) | NEGATIONS | HEDGES | LEAD_WORDS
    words |= set(NUMBERS) | set(ORDINALS) | set(SIZE_WORDS)
    words |= {w for n in IMAGE_NOUNS for w in n.split()} | set(PATIENT_NOUNS)
    words |= set(PATIENT_DIR_WORDS) | set(PART_EXTENT)
    for pattern, *_ in (*SHAPE_PATTERNS, *INTENSITY_PATTERNS):
        words |= {w for w in re.findall(r"[a-z]+", pattern) if len(w) > 2}
    words |= {"hypo", "hyper", "iso", "hand", "leftmost", "rightmost", "anteriorly",
              "posteriorly", "medially", "laterally", "ventrally", "dorsally", "cranially",
              "caudally", "superiorly", "inferiorly", "toward", "towards"}
    return frozenset(words)
