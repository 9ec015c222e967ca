META
key;value
description;"Budget participatif; quartier Nord"
country;Switzerland
unit;Exampletown
instance;2024
num_projects;4
num_votes;5
budget;100000.0
vote_type;approval
rule;greedy
date_begin;01.03.2024
date_end;31.03.2024
min_length;1
max_length;3
PROJECTS
project_id;cost;votes;name;category
1;60000;3;"Parc; aire de jeux";nature
2;30000,0;3;Bancs publics;urbanism
3;25000;2;"Fontaine ""historique""";culture
10;15000;1;Vélos partagés;transport,environment
VOTES
voter_id;vote;age;sex
v1;1,2;34;F
v2;1,2,3;51;M
v3;1, 3;29;
v4;2;;F
v5;10;67;M
