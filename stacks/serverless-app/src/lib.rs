//! A queue worker on Lambda, built only from the generated types (`formae-aws`) and
//! deployed through Cloud Control: uploads land in an encrypted bucket, jobs wait in a
//! queue with a dead-letter queue behind it, alerts fan out through a topic, a function
//! with its own role and log group works the jobs off into a table, a parameter tells
//! clients where the table is, and a nightly rule wakes the worker.

use formae_aws::{dynamodb, events, iam, kms, lambda, logs, s3, sns, sqs, ssm};
use formae_macros::stack;
use formae_runtime::prelude::{Effect, PolicyDocument, Principal, Statement};

stack! {
    /// A queue worker on Lambda: bucket, queues, topic, table, key, parameter, rule, and the function that drains the queue.
    pub stack ServerlessApp = "serverless-app" {
        /// The prefix of every name.
        param prefix: String = "serverless-app";
        /// Days the worker's logs are kept.
        param log_retention_days: i64 = 14;
        /// How many messages the worker takes at once.
        param batch_size: i64 = 10;
        /// Seconds the worker may run.
        param worker_timeout: i64 = 30;
        /// The SSM parameter that tells clients the results table's name.
        param results_parameter_name: String = "/serverless-app/results-table";

        /// Encrypts the queues and the table.
        resource key = kms::Key {
            description: template!("{prefix} data"),
            enable_key_rotation: true,
            pending_window_in_days: 7,
        };

        /// Where uploads land.
        resource uploads = s3::Bucket {
            bucket_name: template!("{prefix}-uploads"),
            versioning_configuration: s3::VersioningConfiguration { status: s3::VersioningConfigurationStatus::Enabled },
        };

        /// Uploads only over TLS.
        resource uploads_policy = s3::BucketPolicy {
            bucket: uploads.bucket_name,
            policy_document: PolicyDocument {
                statements: [Statement {
                    sid: "TlsOnly",
                    effect: Effect::Deny,
                    principals: [Principal::Any],
                    actions: ["s3:*"],
                    resources: [uploads.arn, template!("{uploads.arn}/*")],
                    condition: json!({ "Bool": { "aws:SecureTransport": "false" } }),
                }],
            },
        };

        /// Jobs the worker failed five times.
        resource dead_letters = sqs::Queue {
            queue_name: template!("{prefix}-dead-letters"),
            message_retention_period: 1209600,
            kms_master_key_id: key.arn,
        };

        /// Jobs for the worker.
        resource jobs = sqs::Queue {
            queue_name: template!("{prefix}-jobs"),
            visibility_timeout: 60,
            kms_master_key_id: key.arn,
            redrive_policy: json!({ "deadLetterTargetArn": dead_letters.arn, "maxReceiveCount": 5 }),
        };

        /// Alerts; each also becomes a job.
        resource alerts = sns::Topic {
            topic_name: template!("{prefix}-alerts"),
        };

        /// Alerts into the jobs queue.
        resource alerts_to_jobs = sns::Subscription {
            topic_arn: alerts.topic_arn,
            protocol: "sqs",
            endpoint: jobs.arn,
        };

        /// What the worker has done.
        resource results = dynamodb::Table {
            table_name: template!("{prefix}-results"),
            billing_mode: dynamodb::TableBillingMode::PayPerRequest,
            attribute_definitions: [dynamodb::AttributeDefinition { attribute_name: "id", attribute_type: dynamodb::AttributeDefinitionAttributeType::S }],
            key_schema: json!([{ "AttributeName": "id", "KeyType": "HASH" }]),
        };

        /// Where clients find the results table.
        resource results_parameter = ssm::Parameter {
            name: results_parameter_name,
            r#type: ssm::ParameterType::String,
            value: results.table_name,
        };

        /// The worker's logs.
        resource worker_logs = logs::LogGroup {
            log_group_name: template!("/aws/lambda/{prefix}-worker"),
            retention_in_days: log_retention_days,
        };

        /// What the worker may do: read its queue, write its logs and results, read uploads.
        resource worker_role = iam::Role {
            role_name: template!("{prefix}-worker"),
            assume_role_policy_document: PolicyDocument::assumed_by("lambda.amazonaws.com"),
            policies: [iam::RolePolicyProperty {
                policy_name: "worker",
                policy_document: PolicyDocument {
                    statements: [
                        Statement {
                            effect: Effect::Allow,
                            actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                            resources: [jobs.arn],
                        },
                        Statement { effect: Effect::Allow, actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [worker_logs.arn] },
                        Statement { effect: Effect::Allow, actions: ["dynamodb:PutItem"], resources: [results.arn] },
                        Statement { effect: Effect::Allow, actions: ["kms:Decrypt"], resources: [key.arn] },
                        Statement { effect: Effect::Allow, actions: ["s3:GetObject"], resources: [template!("{uploads.arn}/*")] },
                    ],
                },
            }],
        };

        /// The worker: records how many messages each batch held.
        resource worker = lambda::Function {
            function_name: template!("{prefix}-worker"),
            runtime: lambda::FunctionRuntime::Python312,
            handler: "index.handler",
            role: worker_role.arn,
            code: lambda::Code { zip_file: "def handler(event, context):\n    return {'records': len(event.get('Records', []))}\n" },
            timeout: worker_timeout,
            environment: lambda::Environment { variables: json!({ "RESULTS_TABLE": results.table_name }) },
            logging_config: lambda::LoggingConfig { log_group: worker_logs.log_group_name },
        };

        /// Feeds the queue to the worker.
        resource trigger = lambda::EventSourceMapping {
            function_name: worker.arn,
            event_source_arn: jobs.arn,
            batch_size: batch_size,
        };

        /// Wakes the worker nightly.
        resource nightly = events::Rule {
            name: template!("{prefix}-nightly"),
            schedule_expression: "rate(1 day)",
            targets: [events::Target { arn: worker.arn, id: "worker" }],
        };

        /// Lets the nightly rule invoke the worker.
        resource nightly_invoke = lambda::Permission {
            action: "lambda:InvokeFunction",
            function_name: worker.arn,
            principal: "events.amazonaws.com",
            source_arn: nightly.arn,
        };

        /// Where to send jobs.
        output jobs_url: String = jobs.queue_url;
        /// Where to put uploads.
        output uploads_bucket: String = uploads.bucket_name;
        /// The worker's ARN.
        output worker_arn: String = worker.arn;
        /// Where alerts go.
        output alerts_topic: String = alerts.topic_arn;
    }
}
