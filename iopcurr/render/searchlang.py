"""Search in languages other than English: the analyzers of lunr-languages, in Python (pure).

The browser loads lunr-languages (themes/default/static/lunr.stemmer.support.min.js and
lunr.<lang>.min.js, vendored from the npm package) and runs its pipeline on a query; the index is
built here with the same pipeline: the language's trimmer, its stop words, and the Snowball
stemmer of the `snowballstemmer` package. A test compares these lists with the vendored script.
"""

from __future__ import annotations

import re

from iopcurr.render.lunrindex import Analyzer

# lunr.es.wordCharacters and the words of lunr.es.stopWordFilter (lunr-languages 1.14.0)
ES_WORD_CHARACTERS = "A-Za-z\xAA\xBA\xC0-\xD6\xD8-\xF6\xF8-\u02B8\u02E0-\u02E4\u1D00-\u1D25\u1D2C-\u1D5C\u1D62-\u1D65\u1D6B-\u1D77\u1D79-\u1DBE\u1E00-\u1EFF\u2071\u207F\u2090-\u209C\u212A\u212B\u2132\u214E\u2160-\u2188\u2C60-\u2C7F\uA722-\uA787\uA78B-\uA7AD\uA7B0-\uA7B7\uA7F7-\uA7FF\uAB30-\uAB5A\uAB5C-\uAB64\uFB00-\uFB06\uFF21-\uFF3A\uFF41-\uFF5A"
_ES_STOP_WORDS_TEXT = """
a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el
ella ellas ellos en entre era erais eran eras eres es esa esas ese eso esos esta estaba estabais
estaban estabas estad estada estadas estado estados estamos estando estar estaremos estará
estarán estarás estaré estaréis estaría estaríais estaríamos estarían estarías estas este
estemos esto estos estoy estuve estuviera estuvierais estuvieran estuvieras estuvieron estuviese
estuvieseis estuviesen estuvieses estuvimos estuviste estuvisteis estuviéramos estuviésemos
estuvo está estábamos estáis están estás esté estéis estén estés fue fuera fuerais fueran fueras
fueron fuese fueseis fuesen fueses fui fuimos fuiste fuisteis fuéramos fuésemos ha habida
habidas habido habidos habiendo habremos habrá habrán habrás habré habréis habría habríais
habríamos habrían habrías habéis había habíais habíamos habían habías han has hasta hay haya
hayamos hayan hayas hayáis he hemos hube hubiera hubierais hubieran hubieras hubieron hubiese
hubieseis hubiesen hubieses hubimos hubiste hubisteis hubiéramos hubiésemos hubo la las le les
lo los me mi mis mucho muchos muy más mí mía mías mío míos nada ni no nos nosotras nosotros
nuestra nuestras nuestro nuestros o os otra otras otro otros para pero poco por porque que quien
quienes qué se sea seamos sean seas seremos será serán serás seré seréis sería seríais seríamos
serían serías seáis sido siendo sin sobre sois somos son soy su sus suya suyas suyo suyos sí
también tanto te tendremos tendrá tendrán tendrás tendré tendréis tendría tendríais tendríamos
tendrían tendrías tened tenemos tenga tengamos tengan tengas tengo tengáis tenida tenidas tenido
tenidos teniendo tenéis tenía teníais teníamos tenían tenías ti tiene tienen tienes todo todos
tu tus tuve tuviera tuvierais tuvieran tuvieras tuvieron tuviese tuvieseis tuviesen tuvieses
tuvimos tuviste tuvisteis tuviéramos tuviésemos tuvo tuya tuyas tuyo tuyos tú un una uno unos
vosotras vosotros vuestra vuestras vuestro vuestros y ya yo él éramos
"""
ES_STOP_WORDS = frozenset(_ES_STOP_WORDS_TEXT.split())

_TRIM = re.compile(f"^[^{ES_WORD_CHARACTERS}]+|[^{ES_WORD_CHARACTERS}]+$")  # lunr.es.trimmer

SNOWBALL_NAMES = {"es": "spanish"}  # the languages whose search index stems words
PIPELINE_NAMES = {"es": "stemmer-es"}  # the name lunr-languages registers its stemmer under


def analyzer(language: str) -> Analyzer:
    """lunr-languages' pipeline for `language`: its trimmer, its stop words, its Snowball stemmer."""
    import snowballstemmer  # imported late: only builds with a translation need it

    return Analyzer(snowballstemmer.stemmer(SNOWBALL_NAMES[language]).stemWord, ES_STOP_WORDS, _TRIM)
