from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "room_voting_rounds" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "round" INT NOT NULL,
    "votes" JSONB NOT NULL,
    "stats" JSONB NOT NULL,
    "revealed_at" TIMESTAMPTZ NOT NULL,
    "issue_id" BIGINT NOT NULL REFERENCES "room_issues" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_room_voting_issue_i_3dd314" UNIQUE ("issue_id", "round")
);
COMMENT ON COLUMN "room_voting_rounds"."votes" IS '[{\"user_id\": int, \"value\": label}] in voting order';
COMMENT ON TABLE "room_voting_rounds" IS 'A revealed round kept by a re-vote: who voted what, and its statistics.';
        ALTER TABLE "room_issues" ADD "voting_ends_at" TIMESTAMPTZ;
        ALTER TABLE "room_issues" ADD "stats" JSONB;
        ALTER TABLE "room_issues" ADD "revealed_at" TIMESTAMPTZ;
        ALTER TABLE "rooms" ADD "auto_reveal" BOOL NOT NULL DEFAULT False;
        ALTER TABLE "rooms" ADD "default_voting_seconds" INT;
        ALTER TABLE "room_members" ADD "role" VARCHAR(16) NOT NULL DEFAULT 'VOTER';
        COMMENT ON COLUMN room_issues."voting_ends_at" IS 'the timer reveals then';
COMMENT ON COLUMN room_issues."stats" IS 'the round''s VoteStats, set on reveal';
COMMENT ON COLUMN room_members."role" IS 'FACILITATOR: FACILITATOR\nVOTER: VOTER\nSPECTATOR: SPECTATOR';
        CREATE INDEX IF NOT EXISTS "idx_room_issues_status_c085ce" ON "room_issues" ("status", "voting_ends_at");
        UPDATE "room_members" SET "role" = 'FACILITATOR' FROM "rooms"
         WHERE "rooms"."id" = "room_members"."room_id" AND "rooms"."owner_id" = "room_members"."user_id";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_room_issues_status_c085ce";
        ALTER TABLE "rooms" DROP COLUMN "auto_reveal";
        ALTER TABLE "rooms" DROP COLUMN "default_voting_seconds";
        ALTER TABLE "room_issues" DROP COLUMN "voting_ends_at";
        ALTER TABLE "room_issues" DROP COLUMN "stats";
        ALTER TABLE "room_issues" DROP COLUMN "revealed_at";
        ALTER TABLE "room_members" DROP COLUMN "role";
        DROP TABLE IF EXISTS "room_voting_rounds";"""


MODELS_STATE = (
    "eJztXetzm7gW/1c0/rLpjJNN0+dm79wZN3G33s2j4zhtZ+sOwaDEarBgEcT17O3/fiUB5i"
    "VssMEBoi+JETpC/I4kzktH/3Zmpg4NcnBNoN05Bv92sDqD9EesvAs6qmWFpazAUScGr+jS"
    "GrxEnRDHVjWHFt6qBoG0SIdEs5HlIBPTUuwaBis0NVoR4buwyMXoHxcqjnkHnSnvyNdvtB"
    "hhHf6AJLi07pVbBA091k+ks2fzcsVZWLzsHbobYOc9r8seOFE003BnOKxvLZypiZcECDus"
    "9A5iaKsOZE9wbJe9Aeug/6bBS3mdDat4vYzQ6PBWdQ0n8sYTJSzrKMrF5Ui56o8UpVMAI8"
    "3EDF/aVcIBuGNd2P/t6OjFizdHhy9ev3318s2bV28P39K6vL/pW29+ep0J0fKa4pgN/hhc"
    "jFiHTMpEj7Ws4CenUR3Vo+LMCNEn7uQ71Jw0C06mqi1mQIQkwQX6ekkuBJjvmg2dPz+PwA"
    "3t6g3QDBXNOvl4MlN/KAbEd86UXh69erUC70+94cmH3nCP1noWR/3Cv3Xk3WMMCAGHMxUZ"
    "ReBeEpQDdlDwSIM+BvCLo8McANNamQDze3GA+f8C+Ab1N4LXx24FuuFKunN4Kxm/lqFiMb"
    "x97M44xAPaJxVrMAV1QFvVSE5j3Xk/7Pc7BZcORnMM2N8x/jjsnw+uz4+B/2OTdeT56xxs"
    "eP46kwvsVpwJmg0ZUIoqWLhP6R0HzaB4tMcpE4zQfdKD4EdVbKlyCtAX1C+xsfBn5wroR4"
    "Pz/tWod/6RPW5GyD8Gx6836rM7R7x0kSjdS7Jp2Qj4PBh9AOwS/H15wQedZRLnzuZPDOuN"
    "/u6wPqmuYyrYnCuqHlmEg9IAtRjXXUvfkOtxSsn1unA9wCjCdt57Jizf3kcENlYwUbX7uW"
    "rrSuxOODzMOaYstk1zRgQStU/8/q8hNFQOb3ok+CrDkDbRwDHwMxj1QWk4FiJaEZxNqLoz"
    "RVYJIJ3zxtoK1YPpwC1B+kSbaCs835GtsiqY6kK0/S2R+pO2drJsrK2YmXShmypUOtx6ZF"
    "32aEtXrKE2YcWWefPIzFr407dmR7NkiYrVO/5K7NnsST5iA0L4u6csRN6N7ioTEfuoKIjV"
    "q8BQ9JU37385EW/hW8J49LXDxozLH06XJdqiArFOmDzzTRqWamlYWvIyxYNMBkRJ1rPh8e"
    "Z5R0eEqrILYNo6tMEcOVOEAR3OIBjIuZl09Pzlm5dvX7x+ueTNsmQVSwL4Q7gd5BiFzB5L"
    "gt0p4802fER7lsJ5BH9kDOoEWRusTKuUq/6XUUyvCiDdO+99eRbTrc4uL/4IqkdYcHJ2+S"
    "6BfLj2b2J0Cql3aHb62L84HVz8UdTy5JMdA//HGH+6HPEC7/8YD/uf+r2z/ukxCH6NMdUw"
    "B+dUU6WFy5/1sFPdIqwaCiQOmvmSWt7lKU3ZhplTNd6+bGSbLhYIP5kf3iTZ7j6+hwUnyM"
    "SdWVAHkwWAD9BeADq5becT7/7jfHcT0mgK89V2uTR1Cba53Yz5DpN3WI9sYFNe0BaZBITz"
    "caG55rm0VdZ7+43MsgnSxvC+FEmhaXxmcoRACPnz6vIiw08eECT5ijQH/A8YiORZVnc4m/"
    "n6/wsBzGrHTCukCwh0gIn9Gb713GZYrZYOk4Jggo+sgaR0KH1h2R+7ZnpFpC/sKXI9yxcW"
    "+9ZyO6RAtL2+HpxmfGNDkgSvXRfpB4ywgTxewVMvZsZjUhR+/qY/067FOLppaN+bNkR3+C"
    "+4SOnZT8J9SIttdb60L0cHFH13+sbQ8XTZ3tVJ77Tf+ZnHVyt9ayv9RFwS2R4f2o9hoNO2"
    "BaZCLqKEt9JA+D4b1EsMRyb9k89Zyb1GZ36DtZBhy8G2gEeNL3QCh1qwAK72p9Us5Dr7C1"
    "r+x3O9e6zzn1sXc1c44E9if17+t6A5dQdf0+4KD9hOA1Hrtn4lLJ25An2frwj0fZ4O9NWh"
    "JljNsvXxoP5W6viuXIxMH9fookx1cIRBzOFYTzWci+2hnSDxiTFNA6pYzJcEZYI9E0paFV"
    "+WJbtdU95dXp7F8H83SHrBrs/f9emE4MyglZAT87pH5wDvtuIbkgmkvRAJTpmm/+wGNnIC"
    "1OxLX7a1X9qasqFuptUhj62JBdbaQrPDqnCiKFWdo1lqGFe0wkbBUS3BSBFsi2wYD/IaKa"
    "KDL2alGNLJMBycjPKZKcKQv8318GV4YUugluHkuzFWzKj67Lv1t7VXMHCZzeI8bLJZckyZ"
    "Fgt/lGXYLcIxuCYa2B/55RsxwnBgtjE9FQosw31rGe5rm1nhp+sj9ALaHcbnfboc9YcFzU"
    "md972Twdlg1BtdDo9B5IJH6fWHPEivT6+uPvZP/FrLn/mU9qrjw76bCG+kvsQIpfbSJO1F"
    "+kxLsPJGAg/IBrpghEiqgmWpgtJdXYq7Ojm4pXK9DtLIbC4aAVDlBj8eECAQ64NAgTUC/T"
    "IkYa043+kBT/r/hXAfBbg1bb79iZsLWKFr2xA7XkDh70AFGM69C+ChxWOFgWnogD/1ICkd"
    "VfMEobKBAvOE1DbqtfKv0jYeVMMt5FtdErTRuVp+ehmVOJv4OEIyqSLURUXIE1bJ18DCQm"
    "2USkq1Bdc2qVDUT6FYigJbir9t83gk5d/oxJc6Rdt1imUQrVi1iMbYrtcwlttMc2sawR45"
    "X7q/h5bDtn+q9MY+E+2PwXxqciFfp79UpwtUWg05hO0NdRBxkCbUL0prd7VW4e2plWpFbd"
    "b/VWpF0X3Tj7BhukHBUhl7HLIDNJcEjYjQ/PrvOFi1x/SaotgFY0/RZNe0O9D4+Y1Fb3rr"
    "Xp2DNx9pb2vdZsCuYa/V1vEGMaPm+nXaBycVbKnl1YUJ5Wl5j6OSJDJlCrSSdC7NbMVElM"
    "VzvVpyiSHoOYZKCFIxuLNV7AAL2oDJA8dUo2AaAv3iO+Y9xKQLINbshUVHSBf4u8+ZqqGZ"
    "M0ul2gbVK/bJXLXSWkp1jxEqLYGmbtnmA9IF3pCv4a3uMrGWTMBYT2Umyqq8bpIozQ6jsd"
    "gk7FTFjIp9JQ1MTtc7GQ0+FT4VwaM6Bt7/Mb7o90+vlGG/dz36cAyiV/l0nKoZo2oaJETh"
    "i6NCl8Y0i7KTNopo25B/bpVMXUXmRhveUil6uhkThMSSC8W54I9m+MNCFNANlE1hA7tROX"
    "f53W6TxhlMHi7Fb2ZgEDTQHDND57fDfV1dAKQbEGiGqd17uSIJoOIu3NoK19jxcKvOkLFQ"
    "OBZbjQthQw0aHy9ev+IDhCp79N0cf5A8vYFB13bTxY7QOJWtKMSp2vBRTiaseJsrYcXbFQ"
    "kr3gokUg5a4SMAU4TtA7ySowCJZlrFXFAhxe4dG5GcNxMXGQ7C5IA97zHS3lSTqdMzs22W"
    "PyFB25wvzZMUPw0WCuqLChvxW9iAZHr9me6SzfkdoZW5sOvM6Qdok2Jn+0Qo6nu6QNJVAr"
    "jYlTdoo+z4GQyhTugayM9Mo/+ICPAV6eTE5O0THSs57UdGZdfFXy/jhyuOH06GqbAssSWc"
    "ZtnGBLEx5RJtncKZwXSF2pvGeQ4nU9O8p1+fO8SqlXRO6mev2WGk1bYi6CdBKiG5VHvzH1"
    "UZaBQuYhlxRrFVbk2YUWJ5zbX7gXLO2/QM0Mwymakd3Nq0jD37ANDPnxfkwy5/IUFN/Rjc"
    "wwUB2lTFd5Ad4DIzH8TbrMt/wPq81F87mmG6uv+5ikCDdBlNVNNooijH8mogUZoW7rt+/T"
    "KH2vH6ZabWwW4l0jPFpkIBpFOELYT7xVEuB8EK/0ASbrqEFQHZr95CaMsfya5dyMHlV28h"
    "tEeHL/N4Elm1bPMEvxkHmNtLyYKqvBtbW2PU0rRea4Or5ZKpsl2oaaKJHcabMmZ+vL764J"
    "9KXMAgG1Ieg/D3GKfPSQ5qBTXe9wb8lGTvf04DbsURqYwDdMJtchyygLR9htzyP0N8zEPb"
    "NotFwceo2ofz88OjPEizatmjm99MHkbBrI5U4sdKENGfUNdWHQMioJZHgRQ4CoSPWs1QkS"
    "Ap4pqxvqRq31ivaE3hiG0kegnIpa+79qKXZs5mEDtbfL0zmpAzLqdZZPMDfwXkjZlxgQvl"
    "V884C+a0Q/ZMtZ9goHK4SbewXz5F2qKzrXacra4umQyeiEl+RVyEFtvhvmV0RHrLfLMmQ9"
    "4widRKEAuWoL0AF9dnZ8VSG6xNLREcVFN1YolHnRMVpZXY2oN7hcRZsaOxF2v8tstIjzwe"
    "W1YZ7HHX10B/xrNQe4kbbKhqU0h+B/AHbcJYABNDns0hHJMAEXBDKCIs0P1G5K4tuXVhGo"
    "j4wrJ04skcdrX5KnSlo1a6t2oBbVXuLXl2drXhzXJnXK12xqkPdDm3lYLLSpyqfZakqhaX"
    "QAYq6KCIkknPRAHPxKNbbmq3wEv7Qd1YUo4BoQapEf3g+FNooAdoLzoZqm+yWnetFhwE8+"
    "seCcqrErMkhj7NgkUNe/HEX/aXiQ33/b7sD3SIHUTf1QZ79HvPY4t1oGq2SUgQgGxDhz36"
    "mThZYgXPGeMxvmFqN/vO3jAdetwZd8B8CjFXvyemvgC6CQnApgMcaBi8mFF0ATH5hTfIga"
    "UiGxAH0So61F06g2nrLAR7DubImYIbyzZZoiXuprjhlij2PAtinb7jMW/quzkB/llYZA4h"
    "1/BtKhfNWas+PUBOd4yjVVjXJvCWzmpwg+EPdkqPA2cW+39zAHq3Dq1DxRelNxr1zz+Ori"
    "gvkeFSgYU2xbqgQ1U/BjfsHyMZYwKdLrjhYWQ8UOKGJ9CnL3yPLIuC6VKADaBiQIVGugrQ"
    "HtvQMtQFa3CM9wi0HxDt6gEbWQf+yCIHPugHXl2FPy4cbs+yTRYBf1gFtOSuOH/lEmFW2Y"
    "YapM3zSxl6Xk+LRoShBYTjOFUL9cJKUtREJ1JepKM0O4wqrEr3240OAh8gFniys1FeErRw"
    "KJdvoJupjsYCJgOhBemFjB0Z5NLyUbrlw1IXhqkKvq/ZzImQyNMntoCeBbpQvW5mKTPR/t"
    "IV8k2SssbhFJ1ARqcyPbRMbbo/I2DZ/6QS8fhiUDRjYyiaprizLkdjjFTu7ah1YFNSJykU"
    "TZqgbUxg25PktK91C1bbzKU2SlLbxElFFcrSUiSFBogionScqn1+k6r2dyQsR0XXKgF5Y5"
    "arTmBJY4Za8/YWqNxmpgaGsnyCRJvWMt8WWHQQRMiaw/w79QEC1/rdN2Lyhz8JhqfcR4/u"
    "14gl/Vnt20jmB8rp30glK8rp4ljQniAN+M3w2Lu90FvU9T0CVGD7Tkue0Wv6ffJ8FJC7LP"
    "xUPyyZCnIy3BvlP6NIBGCXy5usaYXlQpABgTXSG2VA4ONuCozMiwI4J8gk1DmgDm2yxVaV"
    "OF2NTVa1XF9C/D3Kggb1GFFzzejeewx08p42AplTm8kK0PaCwupn4t38yKfSz3qq2dxpum"
    "Te8CMIL3woiiWDueizNDAX/TFOHkYYT/cyxv0vHwdDVuD/yGnorzgBTGFLlTRSFTZSaTbc"
    "cJ94nLKFTpMOfUH9EhuLzjLTbBPWQH8Yr1wCN88OUHpiAMn1qr58qezIMrBcBpbXnSWtCC"
    "y/7LnO9MpRxVupI3e7q8ysJj+KhMmbRbZT4zsD7rsEAv4YcMPpb7qAOCazbU5VlhkPqFgH"
    "E9Olfx0/5ppQ/Ww+NYF/QqXQqFpB++vTX0s7aS3tpJzvCmN3EQk9TlWOBvW4zKjeUvqA9G"
    "Kx3FGaHSqpQRrCHShDpauaNnRcm8JkFsE5RtQ+lbOqWG6pcmYzoJnKRx6Vs0a21Rxcf4RU"
    "QHVnci7b6obHWcqTLJvDX3nOXy3MBvKcvzxmgi3O+avSQJA8YUxgJRAcQpZtKmDHUvE04E"
    "r0BLT1BoPPU6RN+R7uIArq14lJ3+5XYlH4HaD6B17xbKrEO+lqj0DH24BNfyR6KdhnXs0j"
    "cp2aFTMRye3K9bQjyHgrGW/VJqj54iYcz5kLSpSkRYFWpW1b8b4UxTCN0UhQBaA6pr1QLJ"
    "O1rwTxZsVMuRkNtM8SVk3uiDR+xHRtrVAix5WNtI8R5R9qyLVdT/gUSIGr8tslKGWKuwIp"
    "7jh23rlR/uEeoi31a9FPtyC5UCjRID9iRaGAMSQLckBALdEvgH4QYL9dOGq6FRmWWrGvcM"
    "MkOTI5TtXh+wHCm7uaxC1Il0SdXRJLnhWNFk8Rtk9eripqPCL7Kpto55n0UlPPEJY9sDZy"
    "roro5ZJW5yUtOj0KL2tCYrm0yQ0xMjpJboh5OlxvxIaYuq2wj5O5kQUviPC/vh6cZkTehi"
    "QJ3F0X6QeMcJOZVocTAUU4emZtb6JEpwB/zxpvLqrZ8C5nb9G2p16ysZtmRsFDL4d+I00c"
    "4Wvxj8zuqo+87EEbadOOIP7Kv9NdFXalhnXWhVplg1TyDqinEra0pXqdHZD0AG0iXC+zVa"
    "4ISQtjZCo5UY9NqgII+9VbiO7zw8NcauzhCi32MKXEmtgRHpiQ7Z6IkMg08QWdECkBbJdR"
    "xT//D7/pBvM="
)
