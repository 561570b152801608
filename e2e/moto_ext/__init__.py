"""Extensions that let moto's CloudFormation deploy the templates docker-ecs generates."""
