-- Fills a migrated Natter database with a search benchmark's data: :chats group chats of
-- three members each among 5,000 users, :messages messages spread evenly over them (seqs
-- gap-free, times over two years), in English (60 %), Russian (25 %) and Ukrainian (15 %),
-- 1 to 40 words (short ones most common), 35 % with a name, 8 % with a link, 2 % with a
-- ticket id, 1 % with an image and 1 % with another file. The user :'searcher' (already registered) joins the first
-- :searcher_chats chats. The search indexes are dropped while loading and built after, as a
-- migration on an existing database builds them.
-- psql -v chats=20000 -v messages=2000000 -v searcher=<uuid> -v searcher_chats=200 -f …
\set ON_ERROR_STOP on
SET maintenance_work_mem = '1GB';
SET synchronous_commit = off;

DROP INDEX IF EXISTS messages_words_idx;
DROP INDEX IF EXISTS messages_trigrams_idx;

CREATE TEMP TABLE vocab (lang int, words text[]);
INSERT INTO vocab VALUES
(0, '{the,a,to,and,of,in,is,it,you,that,for,on,we,this,be,have,with,are,not,can,will,at,just,so,but,do,get,if,me,my,what,all,about,there,one,out,up,time,know,like,now,how,no,when,think,good,then,see,new,go,more,meeting,release,build,deploy,server,client,ticket,bug,fix,test,review,merge,branch,commit,update,today,tomorrow,yesterday,week,morning,lunch,coffee,call,email,project,team,customer,invoice,report,design,draft,document,notes,budget,plan,schedule,deadline,launch,feature,issue,problem,question,answer,idea,thanks,please,sorry,great,running,runs,ran,waiting,working,shipped,broken,fixed,merged,reviewed,deployed,failing,passing,database,cache,latency,throughput,memory,network,timeout,password,login,account,settings,window,screen,keyboard,picture,photo,video,music,weekend,holiday,birthday,party,dinner,train,flight,hotel,ticket,natter,messenger,chat,group,channel,search,index,query,postgres,redis,actix,rust,cargo,compile,crash,restart,backup,restore,monitor,alert,dashboard,metrics}'),
(1, '{и,в,не,на,я,что,он,с,как,это,по,но,они,к,у,мы,вы,так,же,от,за,бы,уже,ещё,сегодня,завтра,вчера,встреча,встречи,встречу,стол,столы,столом,работа,работы,работаю,работает,проект,проекта,проекты,сервер,сервера,серверу,клиент,клиенты,релиз,релиза,ошибка,ошибки,ошибку,исправил,исправлено,тест,тесты,тестов,сборка,сборки,задача,задачи,задачу,документ,документы,отчёт,отчёта,бюджет,план,планы,срок,сроки,вопрос,вопросы,ответ,спасибо,пожалуйста,привет,доброе,утро,кофе,обед,звонок,письмо,письма,команда,команды,клиента,счёт,счета,дизайн,черновик,заметки,запуск,функция,проблема,идея,отлично,база,данных,кэш,память,сеть,пароль,вход,настройки,окно,экран,фото,видео,выходные,праздник,день,рождения,ужин,поезд,самолёт,гостиница,ёлка,ёжик,москва,город,дом,машина,деньги,время,люди,сообщение,сообщения,чат,группа,поиск,индекс,запрос}'),
(2, '{і,в,не,на,я,що,він,з,як,це,по,але,вони,до,у,ми,ви,так,же,від,за,би,вже,ще,сьогодні,завтра,вчора,зустріч,зустрічі,стіл,робота,роботи,працюю,працює,проєкт,проєкту,сервер,сервера,клієнт,реліз,помилка,помилки,виправив,тест,тести,збірка,задача,задачі,документ,звіт,бюджет,план,термін,питання,відповідь,дякую,будь,ласка,привіт,добрий,ранок,кава,обід,дзвінок,лист,команда,рахунок,чернетка,нотатки,запуск,функція,проблема,ідея,чудово,база,даних,пам''ять,мережа,пароль,налаштування,вікно,екран,фото,вихідні,свято,день,народження,вечеря,потяг,літак,готель,їжак,ґанок,київ,львів,місто,будинок,гроші,час,люди,повідомлення,чат,група,пошук}');

-- names, places and products: the long tail people search for most, 27,000 of each script
-- made of three syllables (tests/src/load/search.rs makes the same ones to search for)
CREATE TEMP TABLE syllables (script int, s text[]);
INSERT INTO syllables VALUES
(0, '{ka,lo,mi,ren,sa,tor,vi,del,an,bri,co,da,el,fa,gar,hel,is,jo,ke,lin,mar,nor,os,pe,qui,ro,sten,tu,ul,ver}'),
(1, '{ка,ло,ми,рен,са,тор,ви,дел,ан,бри,ко,да,ел,фа,гар,хел,ис,йо,ке,лин,мар,нор,ос,пе,кви,ро,стен,ту,ул,вер}');

CREATE TEMP TABLE hosts (n int, host text);
INSERT INTO hosts SELECT row_number() OVER () - 1, h FROM unnest('{docs.example.com,github.com,gitlab.example.org,wiki.natter.dev,news.ycombinator.com,habr.com,www.youtube.com,maps.google.com,jira.company.net,confluence.company.net,stackoverflow.com,crates.io,docs.rs,ru.wikipedia.org,uk.wikipedia.org,pravda.com.ua,lenta.ru,nytimes.com,bbc.co.uk,drive.example.com}'::text[]) h;

-- people
INSERT INTO users (id, username, display_name, password_hash)
SELECT gen_random_uuid(), 'sd' || g, 'Search User ' || g, '!'
FROM generate_series(1, 5000) g;
CREATE TEMP TABLE people AS SELECT row_number() OVER (ORDER BY username) - 1 AS n, id FROM users WHERE username LIKE 'sd%';

-- chats and their members
CREATE TEMP TABLE bench_chats AS
SELECT g - 1 AS n, gen_random_uuid() AS id,
       ARRAY[(SELECT id FROM people WHERE n = (g * 7) % 5000),
             (SELECT id FROM people WHERE n = (g * 13 + 1) % 5000),
             (SELECT id FROM people WHERE n = (g * 31 + 2) % 5000)] AS members
FROM generate_series(1, :chats) g;
INSERT INTO chats (id, kind, title, created_by, last_seq, last_event_seq, created_at, updated_at)
SELECT id, 'group', 'Bench group ' || n, members[1], 0, 0, now() - interval '2 years', now()
FROM bench_chats;
INSERT INTO chat_members (chat_id, user_id, role)
SELECT c.id, m.user_id, CASE WHEN m.i = 1 THEN 'owner' ELSE 'member' END
FROM bench_chats c, unnest(c.members) WITH ORDINALITY AS m(user_id, i)
ON CONFLICT DO NOTHING;
INSERT INTO chat_members (chat_id, user_id, role)
SELECT id, :'searcher', 'member' FROM bench_chats WHERE n < :searcher_chats;
UPDATE bench_chats SET members = members || :'searcher'::uuid WHERE n < :searcher_chats;

-- messages
INSERT INTO messages (id, chat_id, seq, sender_id, text, request_id, created_at, event_seq,
                      attachments, file_ids)
SELECT gen_random_uuid(), c.id, s.seq, c.members[1 + (s.g % array_length(c.members, 1))],
       s.text, gen_random_uuid(),
       now() - (:messages - s.g) * interval '30 seconds', s.seq,
       CASE WHEN s.g % 100 = 7 THEN '[{"id":"' || s.fid || '","name":"photo.jpg","size":120000,"mime":"image/jpeg","sha256":"00","width":1280,"height":960,"has_thumbnail":true}]'
            WHEN s.g % 100 = 8 THEN '[{"id":"' || s.fid || '","name":"report.pdf","size":300000,"mime":"application/pdf","sha256":"00","has_thumbnail":false}]' END,
       CASE WHEN s.g % 100 IN (7, 8) THEN ARRAY[s.fid] ELSE '{}'::uuid[] END
FROM (
  SELECT g, g % :chats AS chat_n, g / :chats + 1 AS seq, gen_random_uuid() AS fid,
         concat_ws(' ',
           (SELECT string_agg(v.words[1 + floor(power(random(), 2) * array_length(v.words, 1))::int], ' ')
              FROM vocab v, generate_series(1, 1 + floor(power(random(), 2) * 40)::int + 0 * g) w
             WHERE v.lang = CASE WHEN g % 20 < 12 THEN 0 WHEN g % 20 < 17 THEN 1 ELSE 2 END
               AND g >= 0),
           CASE WHEN g % 20 < 7 THEN (SELECT initcap(y.s[1 + n % 30] || y.s[1 + (n / 30) % 30] || y.s[1 + (n / 900) % 30])
                FROM syllables y, (SELECT floor(power(random(), 3) * 27000)::int + 0 * g AS n) r
               WHERE y.script = CASE WHEN g % 20 < 12 THEN 0 ELSE 1 END) END,
           CASE WHEN g % 100 < 8 THEN 'https://' || (SELECT host FROM hosts WHERE n = g % 20)
                                      || '/' || md5(g::text)::varchar(8) END,
           CASE WHEN g % 100 BETWEEN 8 AND 9 THEN 'PLT-' || (g % 9000 + 1000) END
         ) AS text
  FROM generate_series(0, :messages - 1) g
) s
JOIN bench_chats c ON c.n = s.chat_n;

UPDATE chats c SET last_seq = m.last, last_event_seq = m.last
FROM (SELECT chat_id, max(seq) AS last FROM messages GROUP BY chat_id) m
WHERE m.chat_id = c.id;

CREATE INDEX messages_words_idx ON messages USING gin (natter_words(text));
CREATE INDEX messages_trigrams_idx ON messages USING gin (natter_fold(text) gin_trgm_ops);
ALTER INDEX messages_words_idx ALTER COLUMN 1 SET STATISTICS 1000;
ALTER INDEX messages_trigrams_idx ALTER COLUMN 1 SET STATISTICS 1000;
VACUUM ANALYZE messages;
ANALYZE chats; ANALYZE chat_members; ANALYZE users;
