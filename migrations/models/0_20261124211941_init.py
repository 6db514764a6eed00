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
    "auto_import" BOOL NOT NULL,
    "auto_push_estimates" BOOL NOT NULL,
    "comment_on_push" BOOL NOT NULL,
    "webhook_status" VARCHAR(16) NOT NULL,
    "webhook_ids" JSONB NOT NULL,
    "webhook_expires_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "connection_id" BIGINT REFERENCES "jira_connections" ("id") ON DELETE SET NULL,
    "room_id" UUID NOT NULL UNIQUE REFERENCES "rooms" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_room_jira_m_connect_8731b9" ON "room_jira_mappings" ("connection_id");
COMMENT ON COLUMN "room_jira_mappings"."webhook_status" IS 'NONE: NONE\nACTIVE: ACTIVE\nFAILED: FAILED\nEXPIRED: EXPIRED';
COMMENT ON TABLE "room_jira_mappings" IS 'Which Jira project/board/sprint a room imports from (filled by the sync issue).';
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
    "eJztXW1z2rgW/isavmw7Q9OEpGk2e+fO0IRu6SbQIaTtbNNxha2AGiOzfknK7M1/v5Js4z"
    "cZbGKDcfSFF1lHtp8jyTrPOUf+tzE1NKRbe9cWMhun4N8GgVNEf0TKm6ABZ7OglBXYcKTz"
    "ig6twUvgyLJNqNq08BbqFqJFGrJUE89sbBBaShxdZ4WGSitiMg6KHIL/cZBiG2NkT/iFfP"
    "tOizHR0C9k+X9nd8otRroWuU6ssXPzcsWez3jZOzzuEvs9r8tOOFJUQ3emJKg/m9sTgywE"
    "MLFZ6RgRZEIbsTPYpsPugF2gd6f+TbkXG1RxrzIko6Fb6Oh26I5HSlDWUJRef6hcdYaK0s"
    "iBkWoQhi+9VIsDMGaX8Or3Vuvw8G1r//D45M3R27dvTvZPaF1+vclDbx/diwnQcpvimHX/"
    "7PaG7IIMqkRXtazgkctAG7pSXBkB+pYz+olUO6mCswk0xQoIicS0QG8vrgUf802rofHxyx"
    "D8oJf6A6g6xNNGNp1M4S9FR2RsT+jf1ps3S/D+3B6cfWgPXtBaL6Oo97xDLfcYU0AAOJpC"
    "rOeBeyFQDNh+wZY6fQTgw9Z+BoBprVSA+bEowPw7B75+/bXg9bBbgm4wk24c3lL670yHRA"
    "xvhzhTDnGXXhMkKkpA7cuW1ZOTWDfeDzqdRs6pg8mcAvZ5Qz4NOpfd68tT4P1YZx45OM6g"
    "hoPjVC2wQ1ElqCZiQClQMHGf0yM2niJxb49KxhSheaJ7/o+y1FLmEKA3qPWJPvdG5xLoh9"
    "3LztWwffmJnW5qWf/oHL/2sMOOtHjpPFb6Iq6mRSPgS3f4AbC/4O9+j3e6mWHZY5OfMag3"
    "/LvBrgk6tqEQ40GBWmgS9kt91CJad2bamlqPSkqtV0XrPkYhtfOrZ4vl27vQgo0VjKB69w"
    "BNTYkcCbqH8UCoik3DmFqCFbUn/P6vAdIhhzfZEzyTYUCb2ME+8Oj3er806AshqwhNR9Tc"
    "meBZASBd8sbqCtW9YaMngvSZNlFXeH5iE7IqhNpCtP0nIvWRtna2aKyumBl0opsodHX45J"
    "7Vb9OWrlhDdcKKTfNGy0ib+JOHpq1pvAQSOOa3xM7NzuQh1rUsfu8Jhsg90FxGEbGHioJZ"
    "vRKIom+8ee/JiXkL3yV5tAvk0UJfCR2kKiAssloN2xvLDQ1b1FydA8PUkAkesD3BBNAuC/"
    "zOmllJrYOjt0cnh8dHC90sSpapxIc/gNvGtp6L2lgIbM7g3m1yI3xlCZyH6FdKp46J1YFJ"
    "WmZAdb4OI7aTD+mLy/bXlxH76aLf+9OvHlLB2UX/XQx5tiZwBGuCbMRSIL1BaulTp3fe7f"
    "2Zl13yxE6B9+OGfO4PeYH7fUMGnc+d9kXn/BT4v24ItSK7l9QapYWLn9Xgom4xgbqCLBtP"
    "vdVY1ukpKVmHkVM23tQso6endr5DBIuf1AdvXGxzD9/9nANk5ExnSAOjOUD3yJwDOrhN+z"
    "O//O08dyXbmg71bvJukm19jlpPY1vDWnctXcHEen3dPRerOyQS07XjYG2PCe6gjpfo1PXK"
    "ukoKw8/v9DFJXkfRTUL73jARHpO/0DyxynsWBDUtNuHDgt0Idyh67/SOke2upNpXZ+3zTu"
    "MxizdAsrdPY9diRK+OyV06mn2Chgb9yMbzcsLtwmtwtxa3S7HNQUbyESzgIv2RvZyKrFi0"
    "WvqjofinwmrWsfGfW4dwLwLgZ2IfR//NaaVu4DHRXEIsbjSGp2rzV8yAzBQjdbAkRuogGS"
    "OlIVUwm3286vfSCC63fnwti1Ub/A/o2KoSc8tIWpVOylYTYAIiPG42+3EJ3gyi5dxXnOaK"
    "dX7WQJz7kvZl+ljYTUsji33JwjVMoamxzIEVlqqy/6SCnqwldglHtQDDxA+23zEdZDVMwp"
    "0vYpkM6GAYdM+G2UyTwJG8vm2ycFrXBGoZpLQZO25KLQuPSH6qKcfAZebcZdDk8zXmvF6W"
    "YtIFfXBFjInX84u374IgE5buJANMqvNYbi6xA38amKy1MI4IynXxLq2LJQNfALUScmNZa1"
    "gZISFpZBRlZEjnRyHOj3jnlmbbKkhDozmvP6nMgGTuXhIsGH2304ql4sLBtXKh2GgDd135"
    "m8WJQXBrmDyUkxuirNAxTURswINj/gAQEPTg/gEuWhavbuga4Gfdi/OI5ZxBuIzFvuEr17"
    "HVmvmXrWPvoe7kcmgsBOro0Sg+HRZa9jrseSAmTYSqmAhZgnT4HJh7URuWkqvanHObNCiq"
    "Z1AslgJPXP7WjUuPr3/DA1/aFLW2KWJptALrIplom25niFJ8V1sbfYJA29ahZWFIwNiEdN"
    "0/QyZgkJ3SRb8NWSg7sI07RKwmQEQ15zPaQZrACxxmoe+qMZ1BE72CRHtlPcBZ0uQo7zRC"
    "u8MfFjPTuMeawPT4FhxqLjJyvkuDpJIGSVhVWW2SsMwG06zYIGzsqGGyg1lt7bNh93PuLZ"
    "NcqVPgft+QXqdzfqUMOu3r4YdTEP4Xn8e2oxioqsiyFD45KnRqTKooPdtTJFuHxLVNp3ya"
    "6JaahJP1lCAUllrIrwWvN6NfM0wBXYNFETawGT5lk8/t3aVPBC5Wb/Bww2gd97qwgd3h0B"
    "q/77/S4BxgTUdA1Q31zk0ytQBd7qJsT6g69odbOMX6XOFYPKlfCBvaof5xePyGdxBq7NF7"
    "s71O8vw6Bp3bDYfYQrov3VCIStXhoRxPyTjJlJJxsiQl40SwIuWg5d4fOCFYP8BL2SfYUo"
    "2ZKAo5PQsmkNh8Hkwoq2vkYN3GxNpj59tGYlc5STAuzbZeGkxMdneeNM9y+akzv6u3VFhL"
    "38IGpNKrr3THWl/fIdkCVF2x512dNH2PTCvfpoAhiepuSxR3lQC+7MqaU1r0nkQEIc2icy"
    "DfUJV+WSLAlyRMi8Xrt3QsZZtAGQJRlRAI6awv2VkfD7pi+6AUsNV1HbdAiRiX+Mm77zCY"
    "rnC9duCJJLm6aZMFZLjWNwmzzDCZYAimRMlExuiKIJnY5JAlJJ8F8bvx8QBPZwYjisGtSc"
    "vYufcAnbzdEBX29zfLr6mdgjs0t4A6gWSMgEHA1LgXR+QXf4LV+wZ9a6i64WjeZBuChhbI"
    "WJhqxsKENZZ1/RyWqWGI/vFRhkXz8VHqmpkdii6Zo0MhB9IJwRrCfdjKRG8vYbfjcNMpLA"
    "/IXvUaQlt8T3bMXO4Zr3oNoW3tH2Xxg7Fq6cY1PxgFmLN91pwabGtzhRFpSQxXmi6cOZb7"
    "SqD1AyVjTWwwWpIp89P11QdvM/4cdGIgeQqC3zck+XoAv5Zf4327y18O4H5npB9LjqdkGq"
    "ADbp23AAhE60dDFv8Y4n0emaaRL4Y7IlU/nA/2W1mQZtXSezc/GN8wk3FmdMVPFD8ePWau"
    "GYaOIBGjLpCOQT+i4mVNUouSzT6I3vX7F5Fn0LtuPBz1+vJdhyqDa4JWwnbEYosZD+vvxy"
    "8Q3xkPYuMBjSaGcffapTDAA70gcwrNZxiMFiRi5fa9JETX8sBUbebbSvpvVXKvnwlxtcT3"
    "pUayGJ/oAcv9/tGKDYasrrDETBBxiNGrAL3ri4t86asrM7L9PSXLzsfe6pgoLhu7WD/HFR"
    "ZvMxT2r63wbiy8eVn8GqwyeMEJ4q72km/r4ybnmgiqE2T9AdAv2oQ+BwZBPGM36JMAW+CH"
    "RRFhwYw/RE6NglsXpvpGJ5YF1S33GqrMU6Ep3RmSBK4EtGWRwPINIOWGsMnsh0plP8B7Op"
    "2bSs5pJSpVPzavrMnFXwPlpPHCYpK/y8HfbZ25qdwEL/mDqqmkGAJhy9tf9duOPbmyodji"
    "DR1tLrN5DZ4VwPypeaxeMtbRK8dCgJ+GGppM/kcTWDbtSxqYQObmA5BoYMT3vbUNbr2y2G"
    "TwMDGAlywOsC22ewtuv+B3AEr7dlP2Lde7wtSdZ6kUlSrGStiuMsr2L8sdwpIwFx84YSLb"
    "MSlMRh6cI0Jy2Z912S/fs5iugN3cLDrL+2TW39lKbmlVCSVnCg5YM7NcJpXvjn5lym0laA"
    "OZcltyym2ZBEE8XVLAEggyKle8iSf8Ys2MhMGXCVYnPPMOUKPhJ1Lt1yOD3t1ra0bhtwH0"
    "svd40Jvlpu29uMW67qbsMcOexfi7SXsvk4RBCe1nSv6LkEMy4a+aDIL0kG+GP2DDTsmZiR"
    "YTk1BngJrPbML+nDqhhEVqFAtb2PY67mMiH6YRGQmqAFTbMOfKzGDteyL5JuHUBurHgZWz"
    "xyizsNw1T07Xd0xSer9zeL85dm7ilZfjJtrzZCX6yRakFnLFIEyniE7PFDCGZE4NCKQl+j"
    "nQ97KYnpjnm2xlo6m+vdyvRWEyLL2317kh8VekRNN4b0jn66fugBV4P+I27Xb8Uz7kWMsV"
    "LBgTkxGDkXFURMSgj/D67g1xC5IGrzINLl2Y6TNhfV2Y66c+F571LLW+sbccbz1qtmLz+H"
    "bynbmHQ4T/9XX3PCU8JxCJ4e44WNtjguuMtCpkd4pwdHcncwdKeAjw+6xwBHLFunc1MphZ"
    "300qI2cC88BrZBd7+Er8Q6O77PTlNjKxOmkInLTekeYy3ywM6qzyx6aDVHCY9HPxcD6RM0"
    "/3Xaa+XCGdNU9/u0Id3GmlZEeyQZUDYa96DdE92M/y5i1aa8luWok3b9Ez2ogIbJl0Pikk"
    "snkuaTvLqsJYo8QCbJOhR4//B6de+fY="
)
