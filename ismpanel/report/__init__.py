"""The study's reports: results computed once (:mod:`results`), the interpretation the brief
states (:mod:`ismpanel.analysis.recommend`), tables built once as data (:mod:`tables`) and
rendered for the terminal (:mod:`terminal`) and markdown (:mod:`markdown`), the template context
(:mod:`context`) and the brief written from it (:mod:`brief`)."""
