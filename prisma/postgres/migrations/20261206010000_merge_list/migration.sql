-- The writer's bounded-list merge (pages, browsers) done in SQL under the group's row lock, so several nodes
-- adding to one group keep the bound: the current list, then the added values not in it, first occurrence kept,
-- at most max_len. Lists are JSON arrays of strings.
CREATE OR REPLACE FUNCTION cinch_merge_list(cur text, added text, max_len integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN added = '[]' OR json_array_length(cur::json) >= max_len THEN cur ELSE
    coalesce((SELECT json_agg(k.x ORDER BY k.o)::text FROM (
      SELECT u.x, min(u.o) AS o FROM (
        SELECT t.value AS x, t.ord AS o FROM json_array_elements_text(cur::json) WITH ORDINALITY AS t(value, ord)
        UNION ALL
        SELECT t.value, 1000000 + t.ord FROM json_array_elements_text(added::json) WITH ORDINALITY AS t(value, ord)
      ) u GROUP BY u.x ORDER BY min(u.o) LIMIT max_len) k), cur) END
$$;
