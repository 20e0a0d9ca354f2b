"""The words by which a model's text links two factors, shared by the three readers of such
text: the verdict filter of the interview assistant, the direction check of the panelist's
rationale, and the brief's grounding check of the narrative. Were each to keep its own list,
a phrase could be a link to one and plain words to another ("P1 impacts T1", "whether P1
shapes T1 but T1 drives P1").

* :data:`CLAUSE_BREAK`: where a clause ends (punctuation, a dash, "while", "whereas",
  "but"). One definition for all: a hedge ("whether ...") governs its clause only, and a
  claim is about the factors of its clause only.
* :data:`FORWARD` (the factor before the words acts on the one after: "drives", "feeds
  into", "is a precondition for", "→") and :data:`BACKWARD` (the reverse: "is driven by",
  "depends on", "←"), written out form by form so that a measure's name is not read as a
  link ("driving power").

Where the readers differ, on purpose:

* :data:`PAST_FORWARD` ("P1 shaped T1") counts only for the panelist's rationale, which
  tells what happened; in the brief's prose a bare participle is mostly an adjective ("is
  limited", "a supported factor"), and a link read there by mistake rejects true prose.
* :data:`RELATION_STEMS`: the verdict filter reads any form of a relation word and words
  that link without a direction ("requires", "upstream", "a basis"), since a missed verdict
  could put words in the panel's mouth while a false alarm costs only an explanation. It
  reads them anywhere between the two factors, across clause breaks, so it leaves out the
  forward words that are mostly nouns there ("the legal limits on ..., while T1 ..."); in
  the second factor's clause it counts any word but "and", "or" and the like anyway.
"""

from __future__ import annotations

import re

CLAUSE_BREAK = re.compile(r"[,;:()\[\]\u2014\u2013]|\s-\s|\b(?:while|whereas|but)\b")
FORWARD_ARROWS = r"\u2192|\u21d2|\u27f6|->|=>"
BACKWARD_ARROWS = r"\u2190|\u21d0|<-(?!>)"
ARROWS = r"\u2192|\u2190|\u2194|\u21c4|\u21d2|\u21d0|\u27f6|->|<-|=>"
FORWARD_WORDS = (
    r"drives|drive|drove|driving(?!\s+(?:power|force))|influences|influence|influencing|"
    r"shapes|shape|shaping|affects|affect|affecting|impacts|impact|impacting|feeds|feed|"
    r"feeding|enables?|enabling|determines?|determining|underpins?|underpinning|underlies|"
    r"underlie|leads? to|leading to|led to|results? in|resulting in|causes?|causing|"
    r"triggers?|triggering|fosters?|fostering|supports?|supporting|strengthens?|"
    r"strengthening|weakens?|weakening|promotes?|promoting|facilitates?|facilitating|"
    r"governs?|governing|constrains?|constraining|hinders?|hindering|undermines?|"
    r"undermining|precedes?|preceding|reaches|reach|improves?|improving|increases?|"
    r"increasing|reduces?|reducing|limits?|limiting|propagates? (?:to|into)|gives? rise to|"
    r"paves? the way for|acts? (?:up)?on|sets? the (?:conditions|stage) for|"
    r"(?:flows?|runs?) into|"
    r"(?:is|are) (?:a |the )?(?:pre-?conditions?|prerequisites?|conditions?|basis|foundations?|"
    r"sources?|drivers?|causes?) (?:for|of)|(?:is|are|sits?|lies|lie) upstream (?:of|from)|"
    r"(?:is|are) (?:needed|required|necessary|essential|indispensable) for"
)
BACKWARD_WORDS = (
    r"(?:driven|influenced|shaped|affected|impacted|fed|enabled|determined|underpinned|caused|"
    r"triggered|fostered|supported|strengthened|weakened|promoted|facilitated|governed|"
    r"constrained|hindered|undermined|preceded|reached|conditioned|limited|improved|"
    r"increased|reduced)\s+(?:directly\s+)?by|"
    r"(?:is|are|was|were|be|being|been)\s+(?:\w+ly\s+)?\w+(?:ed|en|wn)\s+by|"
    r"depend(?:s|ed|ent|ing)?\s+(?:directly\s+)?(?:up)?on|requires?|requiring|needs|"
    r"rel(?:y|ies|ied|ying)\s+(?:up)?on|rests? on|builds? on|stem(?:s|med|ming)?\s+from|"
    r"follow(?:s|ed|ing)?\s+from|result(?:s|ed|ing)?\s+from|derive[sd]?\s+from|"
    r"(?:is|are) rooted in|"
    r"(?:is|are|sits?|lies|lie) downstream (?:of|from)|"
    r"(?:is|are) (?:a |the )?(?:results?|consequences?|outcomes?|products?) of"
)
FORWARD = re.compile(rf"\b(?:{FORWARD_WORDS})(?:\s+into)?\b|{FORWARD_ARROWS}", re.IGNORECASE)
BACKWARD = re.compile(rf"\b(?:{BACKWARD_WORDS})\b|{BACKWARD_ARROWS}", re.IGNORECASE)
PAST_FORWARD = re.compile(
    r"\b(?:influenced|shaped|affected|impacted|enabled|determined|caused|triggered|"
    r"constrained|hindered|governed|promoted|strengthened|weakened|increased|reduced|"
    r"improved|underpinned)\b(?!\s+(?:directly\s+)?by\b)",
    re.IGNORECASE,
)
RELATION_STEMS = (
    r"influenc\w*|affect\w*|driv\w*|drove|shap\w*|determin\w*|caus\w*|lead\w* to|led to|"
    r"enabl\w*|impact\w*|depend\w* on|result\w* in|constrain\w*|contribut\w* to|hinder\w*|"
    r"support\w*|govern\w*|trigger\w*|foster\w*|promot\w*|undermin\w*|strengthen\w*|"
    r"weaken\w*|increas\w*|reduc\w*|requir\w*|need\w*|precondition\w*|prerequisite\w*|"
    r"upstream|downstream|underpin\w*|underl(?:ie|ies|ying|ay)|preced\w*|follow\w* from|"
    r"stem\w* from|build\w* on|rest\w* on|rel(?:y|ies|ied|ying) on|feed\w*|basis|"
    r"foundation\w*|gives? rise|paves? the way"
)
