from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "users" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "subject" VARCHAR(255) NOT NULL UNIQUE,
    "email" VARCHAR(320) NOT NULL,
    "name" VARCHAR(255),
    "plan" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_users_email_133a6f" ON "users" ("email");
COMMENT ON COLUMN "users"."subject" IS 'JWT `sub` claim';
COMMENT ON COLUMN "users"."plan" IS 'FREE: FREE\nPREMIUM: PREMIUM';
CREATE TABLE IF NOT EXISTS "rooms" (
    "id" UUID NOT NULL PRIMARY KEY,
    "name" VARCHAR(120) NOT NULL,
    "deck" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "owner_id" BIGINT NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT
);
COMMENT ON COLUMN "rooms"."deck" IS 'the cards, in display order';
CREATE TABLE IF NOT EXISTS "room_issues" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "position" INT NOT NULL,
    "title" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "status" VARCHAR(16) NOT NULL,
    "final_estimate" VARCHAR(16),
    "voting_round" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "room_id" UUID NOT NULL REFERENCES "rooms" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_room_issues_room_id_a938af" UNIQUE ("room_id", "position")
);
COMMENT ON COLUMN "room_issues"."position" IS 'display order within the room';
COMMENT ON COLUMN "room_issues"."status" IS 'PENDING: PENDING\nVOTING: VOTING\nREVEALED: REVEALED\nESTIMATED: ESTIMATED';
COMMENT ON COLUMN "room_issues"."voting_round" IS 'bumped by every startVoting';
CREATE TABLE IF NOT EXISTS "room_members" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "joined_at" TIMESTAMPTZ NOT NULL,
    "room_id" UUID NOT NULL REFERENCES "rooms" ("id") ON DELETE CASCADE,
    "user_id" BIGINT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_room_member_room_id_ffb5ef" UNIQUE ("room_id", "user_id")
);
CREATE TABLE IF NOT EXISTS "room_votes" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "value" VARCHAR(16) NOT NULL,
    "cast_at" TIMESTAMPTZ NOT NULL,
    "issue_id" BIGINT NOT NULL REFERENCES "room_issues" ("id") ON DELETE CASCADE,
    "user_id" BIGINT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_room_votes_issue_i_2f5db1" UNIQUE ("issue_id", "user_id")
);
COMMENT ON TABLE "room_votes" IS 'A member''s card for the issue''s current round; a new round deletes the old votes.';
CREATE TABLE IF NOT EXISTS "jira_connections" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "provider" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "access_token_enc" TEXT,
    "refresh_token_enc" TEXT,
    "access_expires_at" TIMESTAMPTZ NOT NULL,
    "refresh_issued_at" TIMESTAMPTZ NOT NULL,
    "refresh_family_started_at" TIMESTAMPTZ NOT NULL,
    "account_id" VARCHAR(128),
    "account_email" VARCHAR(320),
    "scopes" JSONB NOT NULL,
    "connected_at" TIMESTAMPTZ NOT NULL,
    "last_refreshed_at" TIMESTAMPTZ NOT NULL,
    "last_used_at" TIMESTAMPTZ,
    "version" INT NOT NULL,
    "needs_reauth_reason" VARCHAR(255),
    "user_id" BIGINT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_jira_connec_user_id_a9fb6b" UNIQUE ("user_id", "provider")
);
CREATE INDEX IF NOT EXISTS "idx_jira_connec_access__c7230c" ON "jira_connections" ("access_expires_at");
CREATE INDEX IF NOT EXISTS "idx_jira_connec_provide_ac6777" ON "jira_connections" ("provider", "status");
COMMENT ON COLUMN "jira_connections"."status" IS 'ACTIVE: ACTIVE\nNEEDS_REAUTH: NEEDS_REAUTH';
COMMENT ON COLUMN "jira_connections"."refresh_issued_at" IS '90-day idle clock starts here';
COMMENT ON COLUMN "jira_connections"."refresh_family_started_at" IS '365-day absolute clock';
COMMENT ON COLUMN "jira_connections"."version" IS 'compare-and-swap counter';
COMMENT ON TABLE "jira_connections" IS 'One Atlassian grant per user: rotating tokens, encrypted, updated by compare-and-swap.';
CREATE TABLE IF NOT EXISTS "jira_issue_links" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "cloud_id" VARCHAR(64) NOT NULL,
    "jira_issue_id" VARCHAR(32) NOT NULL,
    "key" VARCHAR(64) NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "last_synced_at" TIMESTAMPTZ NOT NULL,
    "push_status" VARCHAR(16) NOT NULL,
    "pushed_estimate" VARCHAR(64),
    "push_error" VARCHAR(1024),
    "deleted_in_jira" BOOL NOT NULL,
    "push_claim" VARCHAR(64),
    "push_claimed_at" TIMESTAMPTZ,
    "push_commented_estimate" VARCHAR(64),
    "jira_updated_at" TIMESTAMPTZ,
    "connection_id" BIGINT REFERENCES "jira_connections" ("id") ON DELETE SET NULL,
    "issue_id" BIGINT NOT NULL UNIQUE REFERENCES "room_issues" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_jira_issue__cloud_i_cf134b" ON "jira_issue_links" ("cloud_id", "jira_issue_id");
COMMENT ON COLUMN "jira_issue_links"."push_status" IS 'NOT_PUSHED: NOT_PUSHED\nPENDING: PENDING\nPUSHED: PUSHED\nFAILED: FAILED';
COMMENT ON COLUMN "jira_issue_links"."jira_updated_at" IS 'webhook/import watermark';
COMMENT ON TABLE "jira_issue_links" IS 'A room issue imported from Jira. Keyed by Jira''s issue id: keys change on moves.';
CREATE TABLE IF NOT EXISTS "jira_sites" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "cloud_id" VARCHAR(64) NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "scopes" JSONB NOT NULL,
    "avatar_url" VARCHAR(2048),
    "selected" BOOL NOT NULL,
    "connection_id" BIGINT NOT NULL REFERENCES "jira_connections" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_jira_sites_connect_12cc04" UNIQUE ("connection_id", "cloud_id")
);
COMMENT ON TABLE "jira_sites" IS 'A site (cloudId) the grant reaches; exactly one per connection is `selected`.';
CREATE TABLE IF NOT EXISTS "jira_webhook_registrations" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "cloud_id" VARCHAR(64) NOT NULL,
    "project_key" VARCHAR(64) NOT NULL,
    "webhook_id" BIGINT,
    "field_ids" JSONB NOT NULL,
    "expires_at" TIMESTAMPTZ,
    "status" VARCHAR(16) NOT NULL,
    "error" VARCHAR(1024),
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "connection_id" BIGINT NOT NULL REFERENCES "jira_connections" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_jira_webhoo_connect_3eaa25" UNIQUE ("connection_id", "cloud_id", "project_key")
);
COMMENT ON COLUMN "jira_webhook_registrations"."field_ids" IS 'fieldIdsFilter registered';
COMMENT ON COLUMN "jira_webhook_registrations"."status" IS 'NONE: NONE\nACTIVE: ACTIVE\nFAILED: FAILED\nEXPIRED: EXPIRED';
COMMENT ON TABLE "jira_webhook_registrations" IS 'One dynamic webhook per (connection, site, project), shared by every mapping on it.';
CREATE TABLE IF NOT EXISTS "oauth_states" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "state_hash" VARCHAR(64) NOT NULL UNIQUE,
    "provider" VARCHAR(16) NOT NULL,
    "return_to" VARCHAR(2048),
    "created_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "used_at" TIMESTAMPTZ,
    "user_id" BIGINT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_oauth_state_expires_fc54e9" ON "oauth_states" ("expires_at");
COMMENT ON TABLE "oauth_states" IS 'A single-use OAuth `state`, stored hashed and bound to the user who started it.';
CREATE TABLE IF NOT EXISTS "room_jira_mappings" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "cloud_id" VARCHAR(64) NOT NULL,
    "project_key" VARCHAR(64) NOT NULL,
    "board_id" INT,
    "sprint_id" INT,
    "story_points_field_id" VARCHAR(128),
    "story_points_field_source" VARCHAR(32),
    "auto_import" BOOL NOT NULL,
    "auto_push_estimates" BOOL NOT NULL,
    "comment_on_push" BOOL NOT NULL,
    "webhook_status" VARCHAR(16) NOT NULL,
    "webhook_ids" JSONB NOT NULL,
    "webhook_expires_at" TIMESTAMPTZ,
    "webhook_error" VARCHAR(1024),
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "connection_id" BIGINT REFERENCES "jira_connections" ("id") ON DELETE SET NULL,
    "room_id" UUID NOT NULL UNIQUE REFERENCES "rooms" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_room_jira_m_connect_8731b9" ON "room_jira_mappings" ("connection_id");
COMMENT ON COLUMN "room_jira_mappings"."webhook_status" IS 'NONE: NONE\nACTIVE: ACTIVE\nFAILED: FAILED\nEXPIRED: EXPIRED';
COMMENT ON TABLE "room_jira_mappings" IS 'Which Jira project/board/sprint a room imports from (filled by the sync issue).';
CREATE TABLE IF NOT EXISTS "jira_webhook_deliveries" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "identifier" VARCHAR(128) NOT NULL,
    "site_url" VARCHAR(2048) NOT NULL,
    "event" VARCHAR(64) NOT NULL,
    "matched_webhook_ids" JSONB NOT NULL,
    "payload" JSONB NOT NULL,
    "timestamp_ms" BIGINT,
    "received_at" TIMESTAMPTZ NOT NULL,
    "processed_at" TIMESTAMPTZ,
    "attempts" INT NOT NULL,
    "last_error" VARCHAR(1024),
    CONSTRAINT "uid_jira_webhoo_site_ur_222e2c" UNIQUE ("site_url", "identifier")
);
CREATE INDEX IF NOT EXISTS "idx_jira_webhoo_process_5dbe5b" ON "jira_webhook_deliveries" ("processed_at", "received_at");
COMMENT ON COLUMN "jira_webhook_deliveries"."timestamp_ms" IS 'the body''s epoch-ms timestamp';
COMMENT ON TABLE "jira_webhook_deliveries" IS 'One delivery keyed by X-Atlassian-Webhook-Identifier (unchanged across Jira''s retries).';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXW1T27gW/iuafNl2JnQppbTL3rkzaUm36RboQGg7W3aMYgui4khev0Aze/vfryTb8Z"
    "vs2MFOHKMvkCg6sv0cvZ3nHB3/25tRA5nOswsH2b1D8G+PwBliHxLlfdCDlhWV8gIXTkxR"
    "0WM1RAmcOK4NdZcVXkPTQazIQI5uY8vFlLBS4pkmL6Q6q4jJTVTkEfyPhzSX3iB3Km7k29"
    "+sGBMD/UBO+NW61a4xMo3EfWKDX1uUa+7cEmVv8M2IuO9EXX7BiaZT05uRqL41d6eULAQw"
    "cXnpDSLIhi7iV3Btjz8Bv8HgScOH8m82quLfZUzGQNfQM93YE0+0qKynaSenY+18ONa0Xg"
    "WMdEo4vuxWHQHADb+Fnd/29l68eLW3++Lg9cv9V69evt59zeqK+83+9OqnfzMRWn5TArPR"
    "H6OTMb8hypToq5YX/BQy0IW+lFBGhL7jTb4j3c2q4O0U2nIFxERSWmCPl9ZCiPm61dD78G"
    "UMrtitXgHdhHjWK6eTGfyhmYjcuFP2de/lywK8Pw/O3r4fnD1htZ4mUT8Jftrzf+MKiABH"
    "M4jNKnAvBOoBOyzYUKdPAPxib7cEwKxWLsDityTA4n8FfMP6K8EbYFeAbjSTrh3eRvqvZU"
    "Iih3dIvJmAeMTuCRIdZaAOZZvqyVmse+/OhsNexamDyxwC/veSfDobHo8ujg9B8GGVeeT5"
    "QQk1PD/I1QL/KakE3UYcKA1KJu4j9ouLZ0je25OSKUUYgeiz8ENTamlyCLAHNE6JOQ9GZw"
    "H049Hx8Hw8OP7ELzdznH9Mgd9gPOS/7InSear0SVpNi0bAl9H4PeBfwV+nJ6LTWdRxb2xx"
    "xaje+K8evyfouVQj9F6DRmwSDktD1BJa9yxjRa0nJZXW26L1EKOY2sXd883y9W1sw8YLJl"
    "C/vYe2oSV+iboHvSdMxTalM0eyow6E3/15hkwo4M32hMBkOGNNbGEf+Bn2+rA06gsxqwjN"
    "JszcmWKrBpCORWNdheqOuuiBIH1mTXQVnu/YhrwKYbYQa/+BSH1grb1dNNZVzCib6KYa2x"
    "0+uGedDlhL57yhLmHFp3m6R/Mm/uxPs71ZugQSeCMeiV+bXylAbOQ44tkzDJH/Q7+IIuKL"
    "ioZ5vQaIom+i+WDlxKKFvxV5tA3k0UJfGR3kKiAuslwNmxvLPQM7zFydA2obyAb32J1iAl"
    "iXBWFnLa2kvef7r/ZfvzjYX+hmUVKkkhD+CG4Xu2YlamMhsD6De7vJjfidZXAeox85nTol"
    "1gUmqciAGn4dJ2ynENInx4OvTxP208fTkz/C6jEVvP14+iaFPN8TeJI9QTliKZJeI7X0aX"
    "hyNDr5oyq7FIgdguDDJfl8OhYF/v9Lcjb8PBx8HB4dgvDTJWFW5OiYWaOscPGxHVzUNSbQ"
    "1JDj4lmwGys7PWUluzBymsabmWXs8szO94hk85O78KbF1rf47lYcIBNvZiEDTOYA3SF7Dt"
    "jgtt3P4vY3s+4qtjUf6u3k3RTb+hi1nse2xrXuW7qSifXiYnQkV3dMJKVrz8PGMy64hTou"
    "0KnvlfWVFIdfPOnPLHmdRDcL7TtqI3xD/kTzzC7vURDUrNiG9wt2I96h2LOzJ0auv5ManL"
    "8dHA17P8t4AxR7+zB2LUX0mpjc5qN5StCYsj/leF5BuH0MGtyuzW0hthXISDGCJVxkOLKL"
    "qciWRavlLw31rwrLWcfef649IrwIQFyJ/9n/b0UrdQ3LRL+AWFxrDE/b5q+UAVkqRup5QY"
    "zU82yMlIF0yWz24fz0JI/g8uun97JYd8H/gImdNjG3nKTV2aTs9AEmIMHjlrMfC/DmEBVz"
    "X2maK9X5eQNp7kvZl/ljYTstjTL2JQ/XsKWmRpEDKy7VZv9JCz1ZBXaJQLUGwyQMtt8yHZ"
    "Q1TOKdL2GZnLHBcDZ6Oy5nmkSO5NVtk4XTuiNQqyCl9dhxM2ZZBETyQ005Di43546jJh+v"
    "MRf0shyTLuqDS2JMgp5fv30XBZnw404qwKQ9y3K/wA78TjFZaWOcEFT74m3aFysGvgZqJe"
    "bGclawMmJCysioy8hQzo9anB/pzq3MtmWQxkZzVX9SkwHJwr0k2TCGbqclW8WFg2vpRrE3"
    "AP6+8hdHEIPgmtoilFMYorzQs21EXCCCY34HEBB0738BPlqOqE5NA4irPkvziM1cQbqNxa"
    "Hhq/ax7Zr5i/axd9D0Kjk0FgJd9GjUfxwWOu4q7HkkpkyEtpgIZYJ0xBxYeVMbl1K72opz"
    "mzIo2mdQLLYCD9z+do1LT+9/4wNf2RSdtilSx2gl1kX2oG2+nSE74rvc2jglCAxcEzoOhg"
    "Tc2JDt+y1kAw7ZIdv0u5CHsgOX3iLi9AEiuj23WAfpgyBwmIe+63RmQRvtQGLsOPfQypoc"
    "zV1GaneEw8Ky6R02JKbHt+in/uJEzt/KIGmlQRJXVVmbJC6zxmNWfBD2ttQw2cJTbYO349"
    "HnyimTfKlD4P+/JCfD4dG5djYcXIzfH4L4t/Q8thnFQF1HjqOJyVFjU2NWRfmnPWWyXTi4"
    "tu4jnza6ZibhdDUlSIWVFqprIejN6IeFGaArsCjSBtbDp6xz3d5e+kTiYg0GjzCMVnGvSx"
    "vYHg6t99vujgHnABsmArpJ9Vv/kKkD2HYXlVuhutgfruEMm3NNYPGgfiFtaIv6x4uDl6KD"
    "MGOPPZsbdJLH1zHY3E494krpvnxDISnVhUU5fSTjdakjGa8LjmS8luxIBWiV8wNnBLsHeC"
    "N5gh2dWrIo5PxTMJHE+s/BxE51TTxsupg4z/j1NnGwq5lDMD7NttoxmJTs9qw0j3L7aXK/"
    "a7BVWEnf0gaU0tuvdM9ZXd8x2RpU3bL1rkuavkO2Uy0pYEyivWmJ0q4SILZdZc+U1p2TiC"
    "BkOGwOFAlV2T9HBnjBgWm5ePe2jo2kCVQhEG0JgVDO+oad9emgK54HpYZU111MgZIwLvGD"
    "s+9wmM5xtzLwxCG6R5Mppbds9bnBvFpNSdS/+M2exVrtKoLBWdYazgh39xhrk4FG0SSWE2"
    "eUmOWWhBmlptcyhxr4MQj/hAHAM4tyqh1c26yMX/sZYMufH+TDv/7ihDWNQ3CL5g7Qp5Dc"
    "IEAJmNE7+ZmG+i+wPPPSt55uUs8IlqsYNKxARRO1M5oorrGyFkhcpoOHHA72S5gdB/u5Vg"
    "f/KWl0JIdCBaQzgh2E+8VeKQdBgX8gDTebwqqAHFTvILT192TPruTgCqp3ENq93f0ynkRe"
    "LZ+eED8mARZ8qTNnJu/KbGtCWlHrrSZcLc/xX6q0eqhpqok1xptyZX66OH8fvM6gAiEbSR"
    "6C6PMlyb5gIawV1ng3GInXK/j/SxK4DUekcg2wAbfKexQkot0jcutfhkSfR7ZNq0XBJ6S6"
    "h/Pz3b0ySPNq+b1b/JhOOcpZR7bjJ1oY0Z8y1yg1ESRy1CXSKegnTLypSWpRst6F6M3p6c"
    "fEGvRmlA7ovTh+M2TKEJpglbCbsNhSfX3xIvRKfX0h1b2+3tCcIhBbaeslEVe+7tZvvXQ6"
    "myHiPmD1zmlCjbiStMjq72qRiG/NiAtdKL/65Cy4Zzdkz6D9CAOVo0O6lf3yGdGVvPNtG3"
    "UbSQ3Rlrwcj4SSL4iL0BMn3B8YHVH53dQtGwxlwyQyM0EiWILdBTi5+PixWmqDpdk6wnzD"
    "JXWxcq6OjY6J+jJ11OvBPcfyFHTx2IslfttFpEcZjy2vDJ4I19fIeCpSvvmJG2wE9Slyfg"
    "foB2vCnANKkMjmEPVJgB1w5TBEeKD7lcxdW3Pr0jQQyYll4cRTeehasyr0laNWubdaAW1T"
    "7i31dqhmw5vVybhWnYyDd2w6t7WK00pSqntMUlOTS7gHquigiIspz0QFz8TGmZvWTfCKP2"
    "ibSuohEFqQGlEWHJ9j/ubE0S+xhnOD+sulTTTm7E6wDoJmhI36JEK1L0zcPrBs+p2VPGXf"
    "2frnxyCjO2TPQRASz4OOsSvPmdjANapYyn2RSI83rfGYQWU4t2Y67CvDecPO89i4qIBzSk"
    "xBXQLqcJ6uOqsk5ZSnbFVPmS+JjUpWdkJoew1t/zlGhvOONcIWX3+vgGzfeGqf/b16asTa"
    "cyK2bOx0KYJgC1P1ngRQVAuaPhnycOmT4SVJJ+1NhkVfkuHXT6MzXhB8KDc8mw6Urhyxq4"
    "J1KwfrqjfS5ytgO1+rU+bNm6tH0dUeQKe0vraXKSkCVhGwbVdJJwjY04HnTs9dKA85iv3a"
    "L6JZqUjZxfebVcKOyI2JdjwHAXEZcCXkr/rAcSnnNqeQnyADkBhgIl5K6VIRPsQTB4H7KQ"
    "VBJmcpqdpA+8vTRCietJU8qdC7xtVdZYeelKrHgtqsMppnStXre5o3NW3kejaDiVbBOSHU"
    "PZOzqbgLZXLmK2A7jY8yJmeLuNUSWlfvm1mNW10x7bPK+Lw9+lX5cFtBG6h8uGVogpa+vD"
    "adiVPCEkiSdeZTBTx9o0iXocUzhS4nDL5MsT4VSR3DKKhfJ5Q93a+OxeB3AQwSQ4pTx46f"
    "EfLJNTZNP0qKG/Y8fZSfD/JpljBooP1SeSUT5JDKJdlOBkFFWqlIqy5BLWY2aX/OnVDiIh"
    "0Ksart3Rf+MlEN04SMAlUCqkvtuWZR3r4WRppVI3FzGugeB9bICwAl+DnUs/VKRx0LG+me"
    "IupP+yvsXH/nKdkFFp0AS0mqQ2AVDoEJ7PzMikH6K9lLDZain21BaaHSUTyRhExjgHEkK2"
    "pAIq3Qr4B+GFr/sEDUbCsqILVhL2F0JqJSNH9KbHvj+esYR40E7ocIr+5kkregnBFtdkYs"
    "dFY1Tjwj2L39sooXV857FS+utL7V8eJtm2E3coBU+PZk+F9cjI5yAtMikRTunoeNZ1xwlZ"
    "HWhsSSMhx97scfKPEhIJ6zxbH3Leve9YTePzR5Ku+7WWVUzJ16FjSyjT18Kf6x0b2OzKlB"
    "epgjZGKeFKVXnEVmUa1fOoOM4YvgsqccRGqX4DL8/ZN+rMDXnYFrQsfBkOwE97IzMhBxMX"
    "tWGzxhBrB4S6UBoG5TxwlfZWkjl19aErzQ0HUuySW54plneMa2K56N9bJ32QP3U0REwMOE"
    "GnNgUOQAQl3gItP04yBErhonOE0hOiywILaB42JWxUCGx+ZE1jp/mec9uMf8cIZlUx05fn"
    "DdlRiW/HoWIgZ7xkPR1Hc6AdT2L3GPkMgVa1PCGmCtBvKF2W/CR+EV8AKITLqbb734zfDK"
    "NtIRA1d8VTEa7YzRiCk0o4V8+zop1cHggWbcgrGBVNoLGJNZI/3bFG+4ngMI6A4RiSFbkF"
    "cgFOhgV64/DmYGXZ2/pW5FtjxHXLHmtbPmFpybFErW13zlxETWr5DNWJeNQM/JLmbEzCxt"
    "JvN/F+xv0pItJlZ64XaWbX+RRfXpzswBi/sv6dLbDOcS25pmtFNMeKZEO8h4bi/DmSW20z"
    "ZJFU2nZZWzsM2ahq6LZpYrmW1zp9q4yPoOLu02te2rOYxUvDy8sus1KaX8rkV+1wxxvZnD"
    "SgNkY33ak/B+wS/9IqoPRnWWMXv5kNecJeSxkEcPHOv5tNAdsh2p0yR/4MdEOmhFN/J2Fj"
    "6oKiAcVO8gus93d0vNqbsFU+puJpKFElfKA+VbvzERZf1WtH43upj9/D8ywTpp"
)
