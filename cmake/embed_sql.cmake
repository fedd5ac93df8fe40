# embed_sql.cmake - writes the numbered .sql files FILES as a C array of
# ht_migration_t named ${COMPONENT}_migrations into OUT.
# File names must be NNN_words.sql; NNN is the migration's version.
string(REPLACE "|" ";" FILES "${FILES}")
set(body "")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME)
  if(NOT name MATCHES "^([0-9][0-9][0-9])_[a-z0-9_]+\\.sql$")
    message(FATAL_ERROR "migration ${name}: name must be NNN_words.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "static const char s_${version}[] = { ${bytes} 0x00 };\n")
  string(APPEND list "    { ${version}, \"${name}\", s_${version} },\n")
endforeach()
file(WRITE ${OUT}.tmp "/* generated from the sql directory by cmake/embed_sql.cmake: do not edit */\n#include \"ht_db.h\"\n${body}\nconst ht_migration_t ${COMPONENT}_migrations [] = {\n${list}    { 0, NULL, NULL }\n};\n")
file(RENAME ${OUT}.tmp ${OUT})
