/* aws_services.c — the services tarmac talks to, as botocore 1.43's models describe
 * them (metadata: endpointPrefix, signingName, apiVersion, targetPrefix, protocol;
 * env_name is serviceId upper-cased with '_' for spaces, as AWS_ENDPOINT_URL_<ID>). */
#include "aws/aws.h"

const aws_service AWS_SVC_AUTOSCALING = {
    .id = "autoscaling",
    .endpoint_prefix = "autoscaling",
    .signing_name = "autoscaling",
    .env_name = "AUTO_SCALING",
    .api_version = "2011-01-01",
    .protocol = AWS_PROTO_QUERY,
};

const aws_service AWS_SVC_ELBV2 = {
    .id = "elbv2",
    .endpoint_prefix = "elasticloadbalancing",
    .signing_name = "elasticloadbalancing",
    .env_name = "ELASTIC_LOAD_BALANCING_V2",
    .api_version = "2015-12-01",
    .protocol = AWS_PROTO_QUERY,
};

const aws_service AWS_SVC_EC2 = {
    .id = "ec2",
    .endpoint_prefix = "ec2",
    .signing_name = "ec2",
    .env_name = "EC2",
    .api_version = "2016-11-15",
    .protocol = AWS_PROTO_EC2,
};

const aws_service AWS_SVC_STS = {
    .id = "sts",
    .endpoint_prefix = "sts",
    .signing_name = "sts",
    .env_name = "STS",
    .api_version = "2011-06-15",
    .protocol = AWS_PROTO_QUERY,
};

const aws_service AWS_SVC_ECR = {
    .id = "ecr",
    .endpoint_prefix = "api.ecr",
    .signing_name = "ecr",
    .env_name = "ECR",
    .api_version = "2015-09-21",
    .target_prefix = "AmazonEC2ContainerRegistry_V20150921",
    .protocol = AWS_PROTO_JSON_1_1,
};

const aws_service AWS_SVC_ECS = {
    .id = "ecs",
    .endpoint_prefix = "ecs",
    .signing_name = "ecs",
    .env_name = "ECS",
    .api_version = "2014-11-13",
    .target_prefix = "AmazonEC2ContainerServiceV20141113",
    .protocol = AWS_PROTO_JSON_1_1,
};

const aws_service AWS_SVC_CODEDEPLOY = {
    .id = "codedeploy",
    .endpoint_prefix = "codedeploy",
    .signing_name = "codedeploy",
    .env_name = "CODEDEPLOY",
    .api_version = "2014-10-06",
    .target_prefix = "CodeDeploy_20141006",
    .protocol = AWS_PROTO_JSON_1_1,
};

/* CloudWatch speaks JSON 1.0 in "awsQueryCompatible" mode (x-amzn-query-mode). */
const aws_service AWS_SVC_CLOUDWATCH = {
    .id = "cloudwatch",
    .endpoint_prefix = "monitoring",
    .signing_name = "monitoring",
    .env_name = "CLOUDWATCH",
    .api_version = "2010-08-01",
    .target_prefix = "GraniteServiceVersion20100801",
    .protocol = AWS_PROTO_JSON_1_0,
};
