from tests.support import GraphQLClient


async def test_viewer_answers_with_dev_token(gql: GraphQLClient) -> None:
    token = await gql.sign_in("smoke@example.com")
    data = await gql.data("{ viewer { email plan } }", token=token)
    assert data["viewer"] == {"email": "smoke@example.com", "plan": "FREE"}
